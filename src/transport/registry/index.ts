export { RegistryClient, type ClientOptions } from './client.ts';
export { CredentialStore, defaultAuthFile, credentialKey, type Credential } from './credentials.ts';
export { pullImage, type PullOptions, type PullResult, type ProgressEvent } from './pull.ts';
export { RegistrySource, RegistryDestination } from './location.ts';
export { pushImage, type PushOptions, type PushResult } from './push.ts';
export { parseChallenges } from './auth.ts';
export type { RegistryOptions } from './hosts.ts';
export { withPullClient, type MirrorOptions } from './mirrors.ts';
