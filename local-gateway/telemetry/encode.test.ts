import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TraceHead } from '../store/schema.js';
import { traceEncoder } from './encode.js';
import { providerAttributes, traceSpans, type SpanSource } from './spans.js';

/** The export requests of telemetry/encode.ts against the official serializer's bytes for the same spans. */

const src = (stageSpans: boolean): SpanSource => ({
  resource: resourceFromAttributes({ 'service.name': 'gatehouse', 'host.name': 'laptop' }),
  scope: { name: 'gatehouse' },
  stageSpans,
  randomBytes: (bytes) => randomBytes(bytes),
});
const provider = providerAttributes({ kind: 'openai', baseUrl: 'http://127.0.0.1:4010/v1' });

/** The n-th trace of a run: times with fractions of a millisecond, a client's trace context on some, a verdict on some. */
function head(n: number): TraceHead {
  const started = 1_796_645_325_406 + n * 7.391;
  const phases = { authenticate: 0.069 + n / 1000, identity: 0.572, metadata: 0.149, input_guardrails: 0, provider_call: 91.81 + n, response: 1.481 };
  return {
    id: `01a25068-0a5e-7000-a2b8-${String(n).padStart(12, '0')}`,
    started_at: started,
    ended_at: started + 95 + n,
    duration_ms: 95 + n,
    phases,
    caller: { user: 'ada', team: n % 2 ? 'payments' : null, agent: 'claude-cli/2.1.197' },
    api: 'chat.completions',
    method: 'POST',
    path: '/v1/chat/completions',
    tier: 'dev',
    requested_model: 'up/gpt-4o-mini',
    resolved_model: 'up/gpt-4o-mini',
    provider: 'up',
    status: n % 5 === 4 ? 429 : 200,
    error_code: n % 5 === 4 ? 'rate_limited' : null,
    error_message: null,
    stream: n % 3 === 0,
    tokens_in: 13 + n,
    tokens_out: 10,
    tokens_cached: 0,
    tokens_reasoning: null,
    cost_usd: 0.0001 * n,
    metadata: { ticket: `T-${n}` },
    request_headers:
      n % 4 === 1 ? { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'congo=t61rcWkgMzE' } : n % 4 === 2 ? { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } : {},
    response_headers: {},
    verdicts: n % 2 ? [{ tier: 'prod', enforced: false, stage: 'metadata', rule: 'metadata.ticket_id', decision: 'block', mode: 'enforce', reason: 'missing ticket_id', findings: [] }] : [],
  };
}

function batch(s: SpanSource, from: number, count: number, bodies: { request: string; response: string } | null = null): ReadableSpan[][] {
  return Array.from({ length: count }, (_, i) => traceSpans(s, { head: head(from + i), response: '{"choices":[{"finish_reason":"stop"}]}', bodies }, provider));
}

const official = (traces: ReadableSpan[][]) => Buffer.from(ProtobufTraceSerializer.serializeRequest(traces.flat())!);

describe('OTLP protobuf requests', () => {
  it("are the official serializer's bytes, for the batch that makes the templates and for the later ones stamped from them", () => {
    for (const stageSpans of [true, false]) {
      const s = src(stageSpans);
      const encoder = traceEncoder('http/protobuf', 2 ** 22);
      for (const from of [0, 40, 80]) {
        const traces = batch(s, from, 40);
        const requests = encoder.encode(traces);
        expect(requests).toHaveLength(1);
        expect(requests[0]).toMatchObject({ traces: 40, spans: traces.flat().length });
        expect(Buffer.from(requests[0]!.bytes).equals(official(traces))).toBe(true);
      }
    }
  });

  it("are the serializer's bytes for request spans stamped from templates, whatever their own values' widths and kinds", () => {
    const s = src(true);
    const encoder = traceEncoder('http/protobuf', 2 ** 22);
    // Token counts across varint widths, costs whole and fractional, metadata ASCII or not, and with a client's span or not.
    const tokens = [0, 1, 127, 128, 16_383, 16_384, 2 ** 31, 2 ** 40, Number.MAX_SAFE_INTEGER];
    const costs = [0, 0.5, 3, 1e-9];
    const metadata: Record<string, string>[] = [{}, { ticket: 'T-1' }, { ticket: 'T-12345' }, { ticket: 'Größe' }, { ticket: 'T-1', run: 'r' }];
    const vary = (n: number): TraceHead => {
      const h = { ...head(n * 2), tokens_in: tokens[n % tokens.length]!, tokens_out: tokens[(n * 7) % tokens.length]!, cost_usd: costs[n % costs.length]!, metadata: metadata[n % metadata.length]!, verdicts: [] };
      return { ...h, status: 200, error_code: null, request_headers: n % 3 === 0 ? { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } : {} };
    };
    const traces = (from: number) => Array.from({ length: 180 }, (_, i) => traceSpans(s, { head: vary(from + i), response: '{"choices":[{"finish_reason":"stop"}]}', bodies: null }, provider));
    // The first batch makes the templates; in the later ones, every request span but those of a value no template takes comes from one.
    for (const from of [0, 180, 360]) {
      const batch = traces(from);
      const requests = encoder.encode(batch);
      expect(requests).toHaveLength(1);
      expect(Buffer.from(requests[0]!.bytes).equals(official(batch))).toBe(true);
    }
  });

  it('split past the size limit, whole traces in each request, each request as the serializer makes it', () => {
    const s = src(true);
    const encoder = traceEncoder('http/protobuf', 65_536);
    encoder.encode(batch(s, 0, 2));
    const bodies = { request: 'q'.repeat(20_000), response: 'a'.repeat(20_000) };
    const traces = batch(s, 2, 10, bodies);
    const requests = encoder.encode(traces);
    expect(requests.length).toBeGreaterThan(1);
    expect(requests.reduce((n, r) => n + r.traces, 0)).toBe(10);
    let at = 0;
    for (const r of requests) {
      expect(r.bytes.length).toBeLessThanOrEqual(65_536);
      expect(Buffer.from(r.bytes).equals(official(traces.slice(at, at + r.traces)))).toBe(true);
      at += r.traces;
    }
    // A trace larger than the limit goes alone rather than not at all.
    const huge = batch(s, 20, 3, { request: 'q'.repeat(100_000), response: '' });
    expect(encoder.encode(huge).map((r) => r.traces)).toEqual([1, 1, 1]);
  });

  it('as JSON, the official serializer\'s, halved until each part fits', () => {
    const encoder = traceEncoder('http/json', 65_536);
    const traces = batch(src(true), 0, 8, { request: 'q'.repeat(10_000), response: 'a'.repeat(10_000) });
    const requests = encoder.encode(traces);
    expect(requests.length).toBeGreaterThan(1);
    expect(requests.reduce((n, r) => n + r.traces, 0)).toBe(8);
    for (const r of requests) expect(r.bytes.length).toBeLessThanOrEqual(65_536);
  });
});
