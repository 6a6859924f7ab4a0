// `-H tcp://ADDR:PORT` as dockerd and the docker CLI read it: one parser for the daemon's listeners
// and the client's connections, so both ends agree on defaults.
import { isIP } from 'node:net';
import { invalidArgument } from '../errdefs/index.ts';

export interface TcpHost {
  host: string;
  port: number;
}

/** ADDR defaults to 127.0.0.1; PORT to 2376 with TLS and 2375 without (dockerd's). Brackets hold IPv6. */
export function parseTcpHost(text: string, tls: boolean): TcpHost {
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/[\]]*)(?::(\d{1,5}))?\/?$/.exec(text);
  const port = m?.[2] === undefined ? (tls ? 2376 : 2375) : Number(m[2]);
  if (!m || port > 65535) throw invalidArgument(`invalid host ${JSON.stringify(text)}: use unix:///path, tcp://ADDR:PORT or fd://`);
  const host = (m[1] as string).replace(/^\[|\]$/g, '') || '127.0.0.1';
  if (host !== 'localhost' && isIP(host) === 0 && !/^[a-zA-Z0-9.-]+$/.test(host)) throw invalidArgument(`invalid host ${JSON.stringify(text)}: not an address`);
  return { host, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.') || host === '::1';
}
