export { RegistryClient, type ClientOptions, type RawManifest } from './client.ts';
export { CredentialStore, defaultAuthFile, credentialKey, type Credential } from './credentials.ts';
export { pullImage, type PullOptions, type PullResult, type ProgressEvent } from './pull.ts';
export { pushImage, type PushOptions, type PushResult } from './push.ts';
export { parseChallenges } from './auth.ts';
export type { RegistryOptions } from './hosts.ts';
