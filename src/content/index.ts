export { type Digest, isDigest, parseDigest, digestOf, hexOf, DigestStream } from './digest.ts';
export { ContentStore, Ingest, listDigestNamed, type BlobInfo, type Expected } from './store.ts';
