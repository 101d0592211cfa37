import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { DEVICE_HEADER, PATHS, RecordsBatchSchema, type RecordsAck, type SyncRecord } from '../../sync/protocol.js';

/**
 * A stand-in for the central gateway's records endpoint, speaking `sync/protocol.ts` exactly:
 * gunzip, parse with RecordsBatchSchema, dedupe by record_id, answer a RecordsAck with the
 * seq gaps that were neither received nor reported dropped. Faults are scripted per request.
 */
export type Behaviour =
  | { kind: 'ok' }
  /** Answer this status (and headers) without storing the batch. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  /** Read the batch (storing it when `store`) and never answer. */
  | { kind: 'hang'; store: boolean }
  /** Read the batch (storing it when `store`: the ack is lost) and destroy the connection. */
  | { kind: 'reset'; store: boolean };

export interface Receiver {
  url: string;
  port: number;
  /** Stored records by record_id. */
  records: Map<string, SyncRecord & { device_id: string }>;
  /** Records received again after they were stored. */
  duplicates: number;
  /** Every batch that parsed, in arrival order (whatever was answered). */
  batches: { device_id: string; seqs: number[]; dropped: { from_seq: number; to_seq: number }[] }[];
  /** Requests seen, including refused ones. */
  requests: number;
  /** Authorization and device headers as sent, last request. */
  lastAuth: { authorization: string | undefined; device: string | undefined } | null;
  /** Behaviours for the next requests, in order; when empty, `ok`. */
  script: Behaviour[];
  /** Seqs reported dropped per device. */
  dropped: Map<string, Set<number>>;
  stop(): Promise<void>;
  /** Listens again on the same port, keeping what it stored (a restarted central gateway). */
  restart(): Promise<void>;
}

export async function startReceiver(opts: { pat?: string; port?: number } = {}): Promise<Receiver> {
  const sockets = new Set<Socket>();
  /** Seqs stored per device, for the gaps of an ack. */
  const seqs = new Map<string, Set<number>>();
  let server: Server | null = null;
  const r: Receiver = {
    url: '',
    port: 0,
    records: new Map(),
    duplicates: 0,
    batches: [],
    requests: 0,
    lastAuth: null,
    script: [],
    dropped: new Map(),
    async stop() {
      const s = server;
      server = null;
      if (s === null) return;
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async restart() {
      await listen(r.port);
    },
  };

  function store(deviceId: string, records: readonly SyncRecord[], dropped: readonly { from_seq: number; to_seq: number }[]): RecordsAck {
    let accepted = 0;
    let duplicates = 0;
    for (const rec of records) {
      if (r.records.has(rec.record_id)) duplicates++;
      else {
        r.records.set(rec.record_id, { ...rec, device_id: deviceId });
        const have = seqs.get(deviceId) ?? new Set<number>();
        have.add(rec.seq);
        seqs.set(deviceId, have);
        accepted++;
      }
    }
    r.duplicates += duplicates;
    const set = r.dropped.get(deviceId) ?? new Set<number>();
    for (const d of dropped) for (let s = d.from_seq; s <= d.to_seq; s++) set.add(s);
    r.dropped.set(deviceId, set);
    return { accepted, duplicates, gaps: gaps(deviceId) };
  }

  function gaps(deviceId: string): RecordsAck['gaps'] {
    const have = seqs.get(deviceId) ?? new Set<number>();
    const dropped = r.dropped.get(deviceId) ?? new Set<number>();
    let max = 0;
    for (const s of have) max = Math.max(max, s);
    for (const s of dropped) max = Math.max(max, s);
    const out: RecordsAck['gaps'] = [];
    for (let s = 1; s <= max; s++) {
      if (have.has(s) || dropped.has(s)) continue;
      const last = out[out.length - 1];
      if (last !== undefined && last.to_seq === s - 1) last.to_seq = s;
      else out.push({ from_seq: s, to_seq: s });
    }
    return out;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ records: r.records.size, duplicates: r.duplicates, batches: r.batches.length }));
    }
    if (req.method !== 'POST' || req.url !== PATHS.records) return void res.writeHead(404).end();
    r.requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const auth = req.headers.authorization;
    const device = req.headers[DEVICE_HEADER] as string | undefined;
    r.lastAuth = { authorization: auth, device };
    const behaviour = r.script.shift() ?? { kind: 'ok' };
    if (behaviour.kind === 'status') {
      res.writeHead(behaviour.status, { 'content-type': 'application/json', ...behaviour.headers });
      return void res.end(JSON.stringify(behaviour.body ?? { error: { code: 'GH_ERR_TEST', message: `scripted ${behaviour.status}` } }));
    }
    if (opts.pat !== undefined && auth !== `Bearer ${opts.pat}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: { code: 'GH_ERR_UNAUTHORIZED', message: 'bad PAT' } }));
    }
    const raw = req.headers['content-encoding'] === 'gzip' ? gunzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks);
    const parsed = RecordsBatchSchema.safeParse(JSON.parse(raw.toString('utf8')));
    if (!parsed.success || parsed.data.device_id !== device) {
      res.writeHead(400, { 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ error: { code: 'GH_ERR_BAD_BATCH', message: parsed.success ? 'device header differs' : parsed.error.message } }));
    }
    const batch = parsed.data;
    r.batches.push({ device_id: batch.device_id, seqs: batch.records.map((x) => x.seq), dropped: batch.dropped });
    const stores = behaviour.kind === 'ok' || behaviour.store;
    const ack = stores ? store(batch.device_id, batch.records, batch.dropped) : null;
    if (behaviour.kind === 'hang') return;
    if (behaviour.kind === 'reset') return void req.socket.destroy();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(ack));
  }

  async function listen(port: number): Promise<void> {
    const s = createServer((req, res) => {
      handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
      });
    });
    s.on('connection', (sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    server = s;
    r.port = (s.address() as AddressInfo).port;
    r.url = `http://127.0.0.1:${r.port}`;
  }

  await listen(opts.port ?? 0);
  return r;
}
