export { type Digest, type Expected, isDigest, parseDigest, digestOf, hexOf, DigestStream, DigestVerifier } from './digest.ts';
export { ContentStore, Ingest, listDigestNamed, type BlobInfo } from './store.ts';
