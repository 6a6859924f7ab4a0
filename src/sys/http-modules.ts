// node:http and node:https, loaded with require: an ES import of either goes through its ESM
// facade, which reads every export, WebSocket's lazy getter among them, and so compiles Node's
// bundled undici (~10 ms of every command that loads the registry or API client).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const http = require('node:http') as typeof import('node:http');
export const https = require('node:https') as typeof import('node:https');
