import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayStatus } from '../local-gateway/admin/schemas.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, waitFor, type TestGateway } from './helpers/gateway.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './helpers/otlp-receiver.js';
import { writePolicy } from './helpers/policy.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

/** OTLP export from a running gateway to a real OTLP/HTTP receiver on 127.0.0.1. */

const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

const policy = (bodies: string) =>
  writePolicy(`
apiVersion: gatehouse/v1
org: acme
tiers:
  dev: { logging: { bodies: ${bodies} } }
  prod: { metadata: { required: [ticket_id] } }
`);

let upstream: OpenAIStandin;
beforeAll(async () => {
  upstream = await startOpenAIStandin();
});
afterAll(() => upstream.close());

async function call(gw: TestGateway, content: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', 'x-gatehouse-metadata': '{"team":"payments"}', ...headers },
    body: JSON.stringify({ model: 'up/gpt-4o-mini', messages: [{ role: 'user', content }] }),
  });
  await res.text();
  expect(res.status).toBe(200);
  return res.headers.get('x-gatehouse-trace-id')!;
}

function gateway(receiver: OtlpReceiver, otlp: Record<string, unknown>, bodies = 'full', telemetry: { delayMs?: number; batch?: number } = { delayMs: 10 }) {
  return startGateway(
    { ...upstreamConfig(upstream.url), policy: policy(bodies), tiers: { active: 'dev', shadow: ['prod'] }, telemetry: { otlp: { endpoint: receiver.url, ...otlp } } },
    { OTLP_KEY: 'otlp-collector-key-0123456789' },
    { telemetry },
  );
}

/** A thread's nice value (Linux: field 19 of its stat, counted after the command name). */
function niceOf(tid: string): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}
/** The nice values of this process's threads named `name`. */
function threadsNamed(name: string): number[] {
  const nice: number[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === name) nice.push(niceOf(tid));
    } catch {
      // a thread that ended meanwhile
    }
  }
  return nice;
}
const linux = process.platform === 'linux';
if (!linux) console.warn('test/telemetry.test.ts: the export thread\'s name and priority are set on Linux only; that test is skipped here');

const rootOf = (spans: ReceivedSpan[], traceId: string) => spans.find((s) => s.attributes['gatehouse.trace_id'] === traceId);

describe('OTLP export', () => {
  it('sends a GenAI span per request over http/protobuf, in the client\'s trace, with stage spans and verdict events', async () => {
    const receiver = await startOtlpReceiver();
    const gw = await gateway(receiver, { protocol: 'http/protobuf', headers: { 'x-api-key': 'env:OTLP_KEY' }, bodies: 'full' });
    try {
      const id = await call(gw, `hello there, my key is ${UPSTREAM_KEY}`, { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` });
      const root = await waitFor(() => rootOf(receiver.spans, id), 'the request span');
      expect(receiver.requests[0]!.contentType).toBe('application/x-protobuf');
      expect(receiver.requests[0]!.headers['x-api-key']).toBe('otlp-collector-key-0123456789');
      expect(root.traceId).toBe(CLIENT_TRACE);
      expect(root.parentSpanId).toBe(CLIENT_SPAN);
      expect(root.name).toBe('chat up/gpt-4o-mini');
      expect(root.kind).toBe(2); // SERVER
      expect(root.resource['service.name']).toBe('gatehouse');
      expect(root.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'up/gpt-4o-mini',
        'gen_ai.response.model': 'gpt-4o-mini',
        'gen_ai.response.finish_reasons': ['stop'],
        'server.address': '127.0.0.1',
        'http.response.status_code': 200,
        'gatehouse.tier': 'dev',
        'gatehouse.metadata.team': 'payments',
      });
      expect(root.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
      expect(root.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
      // The prod tier would block for the missing ticket_id: an event with the tier and the rule id.
      const verdict = root.events.find((e) => e.attributes['gatehouse.verdict.rule'] === 'metadata.ticket_id');
      expect(verdict?.attributes).toMatchObject({ 'gatehouse.verdict.tier': 'prod', 'gatehouse.verdict.decision': 'block', 'gatehouse.verdict.enforced': false });
      const children = receiver.spans.filter((s) => s.parentSpanId === root.spanId);
      expect(children.map((s) => s.name)).toEqual(expect.arrayContaining(['gatehouse.identity', 'gatehouse.model_access', 'gatehouse.provider_call']));
      for (const c of children) {
        expect(c.traceId).toBe(CLIENT_TRACE);
        expect(c.startNs >= root.startNs && c.endNs <= root.endNs).toBe(true);
      }
      // Bodies as stored: masked, so the pasted provider key is in no encoding of the export.
      expect(String(root.attributes['gatehouse.request.body'])).toContain('hello there');
      const wire = JSON.stringify(receiver.spans.map((s) => s.attributes));
      expect(wire).not.toContain(UPSTREAM_KEY);
      expect(wire).not.toContain(Buffer.from(UPSTREAM_KEY).toString('base64'));
      // The export thread reports the collector's answer after the collector has the spans.
      const status = await waitFor(async () => {
        const s = await gw.api<GatewayStatus>('/api/status');
        return s.telemetry!.exported === 1 ? s.telemetry : null;
      }, 'the export to count as done');
      expect(status).toMatchObject({ protocol: 'http/protobuf', exported: 1, dropped: 0, failed: 0 });
    } finally {
      await gw.close();
      await receiver.stop();
    }
  });

  it.runIf(linux)('names the export thread otlp-export, at the request thread\'s priority', async () => {
    const receiver = await startOtlpReceiver();
    const gw = await gateway(receiver, { protocol: 'http/protobuf' });
    try {
      const id = await call(gw, 'hello');
      await waitFor(() => rootOf(receiver.spans, id), 'the request span');
      expect(threadsNamed('otlp-export')).toContain(niceOf(String(process.pid)));
    } finally {
      await gw.close();
      await receiver.stop();
    }
  });

  it('speaks http/json, starts a new trace without traceparent, and sends no body the policy does not log', async () => {
    const receiver = await startOtlpReceiver();
    const gw = await gateway(receiver, { protocol: 'http/json', bodies: 'full' }, 'none');
    try {
      const id = await call(gw, 'hello json');
      const root = await waitFor(() => rootOf(receiver.spans, id), 'the request span');
      expect(receiver.requests[0]!.contentType).toMatch(/^application\/json/);
      expect(root.parentSpanId).toBe('');
      expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(root.attributes['gen_ai.request.model']).toBe('up/gpt-4o-mini');
      expect(root.attributes['gatehouse.request.body']).toBeUndefined();
      expect(root.attributes['gatehouse.response.body']).toBeUndefined();
    } finally {
      await gw.close();
      await receiver.stop();
    }
  });

  it('with stages: attributes, sends one span per request carrying each stage as its duration, in the client\'s trace', async () => {
    const receiver = await startOtlpReceiver();
    const gw = await gateway(receiver, { stages: 'attributes' });
    try {
      const id = await call(gw, 'hello stages', { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` });
      const root = await waitFor(() => rootOf(receiver.spans, id), 'the request span');
      expect(root.parentSpanId).toBe(CLIENT_SPAN);
      expect(receiver.spans.filter((s) => s.traceId === CLIENT_TRACE)).toHaveLength(1);
      expect(receiver.spans.some((s) => s.name.startsWith('gatehouse.'))).toBe(false);
      const stageMs = Object.fromEntries(Object.entries(root.attributes).filter(([k]) => /^gatehouse\.stage\.[a-z_]+\.ms$/.test(k)));
      expect(Object.keys(stageMs)).toEqual(expect.arrayContaining(['gatehouse.stage.authenticate.ms', 'gatehouse.stage.provider_call.ms']));
      for (const v of Object.values(stageMs)) expect(typeof v === 'number' && v >= 0).toBe(true);
      // The prod tier's verdict is still an event with its rule.
      expect(root.events.map((e) => e.attributes['gatehouse.verdict.rule'])).toContain('metadata.ticket_id');
    } finally {
      await gw.close();
      await receiver.stop();
    }
  });

  it('compresses with gzip only when the setting says so, whatever OTEL_EXPORTER_OTLP_COMPRESSION says', async () => {
    const receiver = await startOtlpReceiver();
    const saved = process.env.OTEL_EXPORTER_OTLP_COMPRESSION;
    // The export thread inherits this process's environment; the exporter would read it if the setting were not passed.
    process.env.OTEL_EXPORTER_OTLP_COMPRESSION = 'gzip';
    const plain = await gateway(receiver, { protocol: 'http/protobuf' });
    const gzip = await gateway(receiver, { protocol: 'http/protobuf', compression: 'gzip' });
    try {
      const first = await call(plain, 'not compressed');
      await waitFor(() => rootOf(receiver.spans, first), 'the uncompressed span');
      expect(receiver.requests[0]!.headers['content-encoding']).toBeUndefined();
      const second = await call(gzip, 'compressed');
      const root = await waitFor(() => rootOf(receiver.spans, second), 'the gzip span');
      expect(receiver.requests[1]!.headers['content-encoding']).toBe('gzip');
      expect(root.attributes['gen_ai.request.model']).toBe('up/gpt-4o-mini');
    } finally {
      if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_COMPRESSION;
      else process.env.OTEL_EXPORTER_OTLP_COMPRESSION = saved;
      await plain.close();
      await gzip.close();
      await receiver.stop();
    }
  });

  it('masks what the PII scanner finds when the telemetry setting says redacted, though the policy logs full bodies', async () => {
    const receiver = await startOtlpReceiver();
    const gw = await gateway(receiver, { protocol: 'http/json', bodies: 'redacted' }, 'full');
    try {
      const id = await call(gw, 'write to ada.lovelace@example.com about the invoice');
      const root = await waitFor(() => rootOf(receiver.spans, id), 'the request span');
      const body = String(root.attributes['gatehouse.request.body']);
      expect(body).toContain('about the invoice');
      expect(body).toContain('[redacted:email]');
      expect(JSON.stringify(receiver.spans.map((s) => s.attributes))).not.toContain('ada.lovelace@example.com');
    } finally {
      await gw.close();
      await receiver.stop();
    }
  });

  it('splits a batch past max_request_bytes into requests of whole traces, and counts a refused one as failed and the rest as exported', async () => {
    const receiver = await startOtlpReceiver();
    // The second request is refused (400 is not retried); the others are taken.
    receiver.script.push({ kind: 'ok' }, { kind: 'status', status: 400 });
    const gw = await gateway(receiver, { protocol: 'http/protobuf', bodies: 'full', max_request_bytes: 65_536 }, 'full', { delayMs: 60_000, batch: 4 });
    try {
      const ids = await Promise.all([0, 1, 2, 3].map((i) => call(gw, `${i} ${'a long prompt '.repeat(2_000)}`)));
      const t = await waitFor(async () => {
        const s = (await gw.api<GatewayStatus>('/api/status')).telemetry!;
        return s.exported + s.failed === 4 ? s : null;
      }, 'the batch to be exported');
      expect(receiver.requests.length).toBeGreaterThan(1);
      for (const r of receiver.requests) expect(r.bytes).toBeLessThanOrEqual(65_536);
      const received = ids.filter((id) => rootOf(receiver.spans, id) !== undefined);
      expect(t.failed).toBeGreaterThan(0);
      expect(t).toMatchObject({ exported: received.length, failed: 4 - received.length, dropped: 0 });
      // Each trace arrived whole: its request span and every stage span, in the request span's trace.
      for (const id of received) {
        const root = rootOf(receiver.spans, id)!;
        expect(root.attributes['gatehouse.request.body']).toContain('a long prompt');
        const stages = receiver.spans.filter((s) => s.parentSpanId === root.spanId);
        expect(stages.length).toBeGreaterThan(3);
        for (const s of stages) expect(s.traceId).toBe(root.traceId);
      }
    } finally {
      await gw.close();
      await receiver.stop();
    }
  });

  it('retries 503 and 429 after their Retry-After, and does not retry a 400', async () => {
    const receiver = await startOtlpReceiver();
    receiver.script.push({ kind: 'status', status: 503, headers: { 'retry-after': '1' } }, { kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const gw = await gateway(receiver, { protocol: 'http/protobuf', timeout_ms: 20_000 });
    try {
      const id = await call(gw, 'retry me');
      await waitFor(() => rootOf(receiver.spans, id), 'the span after two retries', 15_000);
      expect(receiver.requests).toHaveLength(3);
      receiver.script.push({ kind: 'status', status: 400 });
      await call(gw, 'refused');
      const status = await waitFor(async () => {
        const s = await gw.api<GatewayStatus>('/api/status');
        return s.telemetry!.failed === 1 ? s.telemetry : null;
      }, 'the refused export to count as failed');
      expect(receiver.requests).toHaveLength(4);
      expect(status).toMatchObject({ exported: 1, failed: 1 });
    } finally {
      await gw.close();
      await receiver.stop();
    }
  });

  it('serves while the collector is down or hangs, bounds the queue and counts what it dropped', async () => {
    const down = await startOtlpReceiver();
    const url = down.url;
    await down.stop();
    const gw = await gateway({ ...down, url }, { timeout_ms: 300 });
    try {
      await call(gw, 'nobody listens');
      const s = await waitFor(async () => (await gw.api<GatewayStatus>('/api/status')).telemetry?.failed === 1, 'the export to fail');
      expect(s).toBe(true);
    } finally {
      await gw.close();
    }

    const slow = await startOtlpReceiver();
    for (let i = 0; i < 50; i++) slow.script.push({ kind: 'hang' });
    const gw2 = await gateway(slow, { timeout_ms: 2000, max_queue: 2 });
    try {
      // The first export hangs; while it does, two traces fit in the queue and the rest are dropped.
      await call(gw2, 'first');
      await waitFor(() => slow.requests.length === 1, 'the first export to reach the collector');
      for (let i = 0; i < 5; i++) await call(gw2, `more ${i}`);
      const t = (await gw2.api<GatewayStatus>('/api/status')).telemetry!;
      expect(t.dropped).toBe(3);
      await waitFor(async () => (await gw2.api<GatewayStatus>('/api/status')).telemetry!.failed >= 1, 'the hung export to time out', 10_000);
    } finally {
      await gw2.close();
      await slow.stop();
    }
  });
});
