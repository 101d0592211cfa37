import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Rewrites the body of a `GET /v1/fleet/policy` answer, or answers with a status instead (a number); null passes it through. */
export type PolicyTamper = ((body: Record<string, unknown>) => Record<string, unknown> | number) | null;

export interface TamperProxy {
  url: string;
  /** What the next policy answers become, as an attacker between the device and its central gateway would make them. */
  tamper(fn: PolicyTamper): void;
  /** Every `POST /v1/fleet/status` body the device sent, in order. */
  reports: Record<string, unknown>[];
  /** Every 200 policy body the central gateway served, untampered, in order (old ones are what a replay sends). */
  served: Record<string, unknown>[];
  close(): Promise<void>;
}

const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

/**
 * An HTTP proxy on 127.0.0.1 in front of a real central gateway: everything passes through,
 * except that policy answers can be rewritten (a byte changed, another key's signature, an
 * old bundle replayed). It drops `If-None-Match` while tampering, so the central gateway
 * answers 200 with a body to tamper with.
 */
export async function startTamperProxy(target: string): Promise<TamperProxy> {
  let tamper: PolicyTamper = null;
  const reports: Record<string, unknown>[] = [];
  const served: Record<string, unknown>[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = req.url ?? '/';
      if (req.method === 'POST' && path.startsWith('/v1/fleet/status')) reports.push(JSON.parse(body.toString('utf8')) as Record<string, unknown>);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers.set(k, v);
      }
      const rewriting = tamper !== null && req.method === 'GET' && path.startsWith('/v1/fleet/policy');
      if (rewriting) headers.delete('if-none-match');
      const upstream = await fetch(target.replace(/\/+$/, '') + path, { method: req.method, headers, body: body.length > 0 ? body : undefined });
      let out = Buffer.from(await upstream.arrayBuffer());
      let status = upstream.status;
      if (req.method === 'GET' && path.startsWith('/v1/fleet/policy') && status === 200) served.push(JSON.parse(out.toString('utf8')) as Record<string, unknown>);
      if (rewriting && upstream.status === 200) {
        const changed = tamper!(JSON.parse(out.toString('utf8')) as Record<string, unknown>);
        if (typeof changed === 'number') [status, out] = [changed, Buffer.from('{"error":{"code":"GH_ERR_UNAVAILABLE","message":"unavailable"}}')];
        else out = Buffer.from(JSON.stringify(changed));
      }
      const outHeaders: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) outHeaders[k] = v;
      });
      res.writeHead(status, outHeaders).end(out);
    })().catch((err: unknown) => res.writeHead(502).end(String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tamper: (fn) => void (tamper = fn),
    reports,
    served,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
