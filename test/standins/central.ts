import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Whoami } from '../../local-gateway/identity/whoami.js';

export interface CentralStandin {
  url: string;
  /** The bearer of every whoami call, in order. */
  calls: string[];
  close(): Promise<void>;
}

/**
 * Stand-in for the org's central gateway, as far as identity goes: `GET /v1/fleet/whoami`
 * answers the owner of a known PAT and 401 (in the protocol's error shape) for any other.
 */
export async function startCentralStandin(pats: Record<string, Whoami>): Promise<CentralStandin> {
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (req.method !== 'GET' || req.url !== '/v1/fleet/whoami') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    calls.push(bearer);
    const who = pats[bearer];
    if (!who) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'unknown or revoked PAT' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(who));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
