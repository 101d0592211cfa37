import { createServer, request, type IncomingMessage, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { PATHS, RecordsAckSchema, type RecordsAck } from '../../sync/protocol.js';

/**
 * What the proxy does to a records batch (`POST /v1/fleet/records`) while the fault is on:
 * - `status`: answers it (500, or 503 with `Retry-After`) without forwarding;
 * - `hold`: reads it and never answers (the device's timeout fires);
 * - `reset`: forwards half of its bytes to the central, then resets both connections;
 * - `drop-answer`: forwards it, lets the central store it, and resets the device's connection
 *   instead of passing the answer on (the device resends a batch the central already has);
 * - `hold-answer`: forwards it, keeps the central's answer and never sends it (the device is
 *   killed while it waits).
 */
export type RecordsFault =
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  | { kind: 'hold' }
  | { kind: 'reset' }
  | { kind: 'drop-answer' }
  | { kind: 'hold-answer' };

export interface FaultProxy {
  url: string;
  /** The fault records batches meet from now on, after the next `passFirst` pass through; null passes them all. */
  fault(f: RecordsFault | null, passFirst?: number): void;
  /** Records batches that met a fault, per kind of fault. */
  faulted: Record<RecordsFault['kind'], number>;
  /** Batches the central answered with a RecordsAck, passed on to the device or not. */
  acks: { ack: RecordsAck; delivered: boolean }[];
  /** Requests held open right now (a `hold` or `hold-answer`). */
  held(): number;
  close(): Promise<void>;
}

const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of a real central gateway (a separate process, which may
 * be killed and restarted behind it): everything passes through, and records batches meet
 * the fault that is on. A central that cannot be reached looks like no answer: the device's
 * connection is reset, as it would be with no proxy in between.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const base = new URL(target);
  let current: RecordsFault | null = null;
  let passing = 0;
  const faulted: FaultProxy['faulted'] = { status: 0, hold: 0, reset: 0, 'drop-answer': 0, 'hold-answer': 0 };
  const acks: FaultProxy['acks'] = [];
  const holding = new Set<ServerResponse>();
  const sockets = new Set<Socket>();

  /** Sends `body` (or only its first `partial` bytes, then aborts) to the central. */
  const forward = (req: IncomingMessage, body: Buffer, partial?: number) =>
    new Promise<Answer>((resolve, reject) => {
      const headers: IncomingHttpHeaders = { ...req.headers, host: base.host, 'content-length': String(body.length) };
      delete headers.connection;
      const up = request({ host: base.hostname, port: base.port, path: req.url, method: req.method, headers, agent: false }, (res) => {
        void readBody(res).then((b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject);
      });
      up.on('error', reject);
      if (partial === undefined) up.end(body);
      else up.write(body.subarray(0, partial), () => up.destroy(new Error('reset by the fault proxy')));
    });

  const noteAck = (a: Answer, delivered: boolean) => {
    if (a.status !== 200) return;
    const ack = RecordsAckSchema.safeParse(JSON.parse(a.body.toString('utf8')));
    if (ack.success) acks.push({ ack: ack.data, delivered });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const isBatch = req.method === 'POST' && (req.url ?? '').startsWith(PATHS.records);
    let f = isBatch ? current : null;
    if (f !== null && passing > 0) {
      passing -= 1;
      f = null;
    }
    if (f !== null) faulted[f.kind] += 1;
    if (f?.kind === 'status') {
      const error = { error: { code: 'GH_ERR_UNAVAILABLE', message: `fault proxy: ${f.status}` } };
      res.writeHead(f.status, { 'content-type': 'application/json', ...f.headers }).end(JSON.stringify(error));
      return;
    }
    if (f?.kind === 'hold') {
      holding.add(res);
      res.on('close', () => holding.delete(res));
      return;
    }
    if (f?.kind === 'reset') {
      await forward(req, body, Math.floor(body.length / 2)).catch(() => null);
      req.socket.destroy();
      return;
    }
    let answer: Answer;
    try {
      answer = await forward(req, body);
    } catch {
      req.socket.destroy();
      return;
    }
    if (isBatch) noteAck(answer, f === null);
    if (f?.kind === 'drop-answer') {
      req.socket.destroy();
      return;
    }
    if (f?.kind === 'hold-answer') {
      holding.add(res);
      res.on('close', () => holding.delete(res));
      return;
    }
    const { connection: _c, 'transfer-encoding': _t, 'content-length': _l, ...headers } = answer.headers;
    res.writeHead(answer.status, headers).end(answer.body);
  };

  const server: Server = createServer((req, res) => void handle(req, res).catch(() => req.socket.destroy()));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    fault: (f, passFirst = 0) => {
      current = f;
      passing = passFirst;
    },
    faulted,
    acks,
    held: () => holding.size,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
