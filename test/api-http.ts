// A raw Docker API request over the daemon's unix socket, for what the docker CLI never sends
// (malformed JSON, wrong types) and for exact status codes.
import { request } from 'node:http';

export interface ApiResponse {
  status: number;
  headers: Record<string, unknown>;
  text: string;
  /** The body as JSON ({} when it is not JSON). */
  json: Record<string, unknown>;
}

export function apiRequest(socket: string, method: string, path: string, body?: string): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, headers: body !== undefined ? { 'Content-Type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          // not JSON (an empty 204)
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
