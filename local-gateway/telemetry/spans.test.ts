import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToNanoseconds } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import type { TraceHead } from '../store/schema.js';
import { providerAttributes, traceSpans, type SpanSource } from './spans.js';

/** The spans of one trace, as the export thread builds them for the OTLP serializer. */

const head: TraceHead = {
  id: '01a25068-0a5e-7000-a2b8-dea043f1b9e0',
  started_at: 1_796_645_325_406,
  ended_at: 1_796_645_325_540,
  duration_ms: 134.18,
  phases: { authenticate: 0.069, identity: 0.572, metadata: 0.149, input_guardrails: 0, provider_call: 91.81, response: 1.481 },
  caller: { user: 'ada', team: 'payments', agent: 'claude-cli/2.1.197' },
  api: 'chat.completions',
  method: 'POST',
  path: '/v1/chat/completions',
  tier: 'dev',
  requested_model: 'up/gpt-4o-mini',
  resolved_model: 'up/gpt-4o-mini',
  provider: 'up',
  status: 200,
  error_code: null,
  error_message: null,
  stream: false,
  tokens_in: 13,
  tokens_out: 10,
  tokens_cached: 0,
  tokens_reasoning: null,
  cost_usd: 0.0001,
  metadata: { ticket: 'T-1' },
  request_headers: { host: '127.0.0.1:4000' },
  response_headers: {},
  verdicts: [{ tier: 'prod', enforced: false, stage: 'metadata', rule: 'metadata.ticket_id', decision: 'block', mode: 'enforce', reason: 'missing ticket_id', findings: [] }],
};

/** A source whose "random" ids are a counter's bytes, so a test can tell which draw each id came from. */
function source(stageSpans = true): SpanSource & { draws: number[] } {
  let next = 0;
  const draws: number[] = [];
  return {
    resource: resourceFromAttributes({ 'service.name': 'gatehouse' }),
    scope: { name: 'gatehouse' },
    stageSpans,
    draws,
    randomBytes(bytes) {
      draws.push(bytes);
      const out = Buffer.alloc(bytes);
      for (let i = 0; i < bytes; i++) out[i] = next++ & 0xff;
      return out;
    },
  };
}

const ns = (span: ReadableSpan, at: 'startTime' | 'endTime') => hrTimeToNanoseconds(span[at]);
/** How long a span lasted, in ns (exact: epoch nanoseconds as one number are not). */
const lasted = (span: ReadableSpan) => (span.endTime[0] - span.startTime[0]) * 1e9 + (span.endTime[1] - span.startTime[1]);
const provider = providerAttributes({ kind: 'openai', baseUrl: 'http://127.0.0.1:4010/v1' });

describe('trace spans', () => {
  it('makes a request span and one span per stage, back to back, with ids from one draw', () => {
    const src = source();
    const spans = traceSpans(src, { head, response: '{"choices":[{"finish_reason":"stop"}]}', bodies: null }, provider);
    expect(src.draws).toEqual([16 + 8 * 7]);
    const root = spans.at(-1)!;
    const stages = spans.slice(0, -1);
    expect(stages.map((s) => s.name)).toEqual(Object.keys(head.phases).map((stage) => `gatehouse.${stage}`));
    expect(stages.map((s) => s.attributes)).toEqual(Object.keys(head.phases).map((stage) => ({ 'gatehouse.stage': stage })));
    expect(stages.find((s) => s.name === 'gatehouse.provider_call')!.kind).toBe(SpanKind.CLIENT);
    expect(root).toMatchObject({ name: 'chat up/gpt-4o-mini', kind: SpanKind.SERVER, status: { code: SpanStatusCode.UNSET }, droppedAttributesCount: 0, links: [] });
    const ids = spans.map((s) => s.spanContext().spanId);
    expect(new Set(ids).size).toBe(spans.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(root.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    let at = ns(root, 'startTime');
    for (const [i, s] of stages.entries()) {
      expect(s.spanContext().traceId).toBe(root.spanContext().traceId);
      expect(s.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(ns(s, 'startTime')).toBe(at);
      at = ns(s, 'endTime');
      // Epoch milliseconds as a double hold about a quarter of a microsecond.
      expect(Math.abs(lasted(s) - Object.values(head.phases)[i]! * 1e6)).toBeLessThan(1000);
      expect(hrTimeToNanoseconds(s.duration)).toBe(lasted(s));
    }
    expect(ns(root, 'endTime')).toBe(head.ended_at * 1e6);
    expect(root.attributes).toMatchObject({ 'gen_ai.provider.name': 'openai', 'server.address': '127.0.0.1', 'server.port': 4010, 'gen_ai.response.finish_reasons': ['stop'], 'gatehouse.metadata.ticket': 'T-1' });
    // The verdict is an event at the end of the stage that decided it.
    expect(root.events).toHaveLength(1);
    expect(hrTimeToNanoseconds(root.events[0]!.time)).toBe(ns(stages[2]!, 'endTime'));
    expect(root.events[0]!.attributes).toMatchObject({ 'gatehouse.verdict.rule': 'metadata.ticket_id', 'gatehouse.verdict.tier': 'prod' });
  });

  it('with stages as attributes, makes the request span alone, with each stage as its duration in ms', () => {
    const src = source(false);
    const spans = traceSpans(src, { head, response: '{"choices":[{"finish_reason":"stop"}]}', bodies: null }, provider);
    expect(src.draws).toEqual([16 + 8]);
    expect(spans).toHaveLength(1);
    const root = spans[0]!;
    expect(root).toMatchObject({ name: 'chat up/gpt-4o-mini', kind: SpanKind.SERVER, parentSpanContext: undefined });
    expect(Object.fromEntries(Object.entries(root.attributes).filter(([k]) => k.startsWith('gatehouse.stage.')))).toEqual(
      Object.fromEntries(Object.entries(head.phases).map(([stage, took]) => [`gatehouse.stage.${stage}.ms`, took])),
    );
    expect(root.attributes).toMatchObject({ 'gen_ai.provider.name': 'openai', 'gen_ai.response.finish_reasons': ['stop'] });
    // The verdict keeps the time its stage ended, though that stage has no span.
    const metadataEnd = head.started_at + Object.values(head.phases).slice(0, 3).reduce((a, b) => a + b, 0);
    expect(Math.abs(hrTimeToNanoseconds(root.events[0]!.time) - metadataEnd * 1e6)).toBeLessThan(1000);
    // The stage attributes are the trace's own: another trace's spans in the stage mode carry none.
    expect(Object.keys(traceSpans(source(), { head, response: '{}', bodies: null }, provider).at(-1)!.attributes).some((k) => k.startsWith('gatehouse.stage.'))).toBe(false);
  });

  it("continues the client's trace context, trace state included, drawing no trace id", () => {
    const src = source();
    const traced = { ...head, request_headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'congo=t61rcWkgMzE' } };
    const spans = traceSpans(src, { head: traced, response: '{}', bodies: null }, null);
    expect(src.draws).toEqual([8 * 7]);
    const root = spans.at(-1)!;
    expect(root.parentSpanContext).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', isRemote: true });
    for (const s of spans) {
      expect(s.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(s.spanContext().traceState?.serialize()).toBe('congo=t61rcWkgMzE');
    }
    expect(root.attributes['gen_ai.provider.name']).toBeUndefined();
  });

  it('marks a refused request as an error and ends the request span no earlier than its stages', () => {
    const refused = { ...head, status: 429, error_code: 'rate_limited', error_message: 'too many requests', ended_at: head.started_at + 1 };
    const spans = traceSpans(source(), { head: refused, response: '{}', bodies: null }, provider);
    const root = spans.at(-1)!;
    expect(root.status).toEqual({ code: SpanStatusCode.ERROR, message: 'too many requests' });
    expect(root.attributes['error.type']).toBe('rate_limited');
    expect(ns(root, 'endTime')).toBe(ns(spans.at(-2)!, 'endTime'));
    // Shared per-stage values stay as they were: one trace's spans cannot change another's.
    expect(traceSpans(source(), { head, response: '{}', bodies: null }, provider)[0]!.attributes).toEqual({ 'gatehouse.stage': 'authenticate' });
  });
});
