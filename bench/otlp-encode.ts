/**
 * `npx tsx bench/otlp-encode.ts`: the export thread's work per trace, phase by phase, in one
 * process (no HTTP): parsing a queued trace head, building its spans, and encoding them as an
 * OTLP protobuf request, by the official serializer for every span (as before
 * telemetry/encode.ts) and by the encoder (stage spans from templates). Batches of 256 traces
 * like the bench gateway's (a chat completion through nine stages); each figure is the best of
 * `BENCH_REPEATS` (default 200) batches, in µs per trace, so other work on the machine inflates
 * it least.
 */
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { TraceHead } from '../local-gateway/store/schema.js';
import { traceEncoder } from '../local-gateway/telemetry/encode.js';
import { providerAttributes, traceSpans, type SpanSource } from '../local-gateway/telemetry/spans.js';
import { benchHead, benchResponse } from './lib/trace-heads.js';

const BATCH = 256;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 200);

const heads = Array.from({ length: BATCH }, (_, i) => benchHead(i));
const provider = providerAttributes({ kind: 'openai', baseUrl: 'http://127.0.0.1:4010/v1' });

function best(run: () => void): number {
  let min = Infinity;
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    run();
    min = Math.min(min, performance.now() - t0);
  }
  return (min * 1000) / BATCH;
}

process.stdout.write(`load average ${loadavg()[0]!.toFixed(1)}; µs per trace, best of ${REPEATS} batches of ${BATCH}\n`);
for (const stageSpans of [true, false]) {
  const src: SpanSource = { resource: resourceFromAttributes({ 'service.name': 'gatehouse', 'service.version': '0.1.0', 'host.name': 'laptop' }), scope: { name: 'gatehouse' }, stageSpans, randomBytes: (b) => randomBytes(b) };
  const parsed = heads.map((h) => JSON.parse(h) as TraceHead);
  const build = () => parsed.map((h) => traceSpans(src, { head: h, response: benchResponse, bodies: null }, provider));
  const traces = build();
  const encoder = traceEncoder('http/protobuf', 3 * 2 ** 20);
  const parse = best(() => heads.map((h) => JSON.parse(h) as TraceHead));
  const spans = best(build);
  const before = best(() => ProtobufTraceSerializer.serializeRequest(traces.flat()));
  const after = best(() => encoder.encode(traces));
  const whole = best(() => encoder.encode(heads.map((h) => traceSpans(src, { head: JSON.parse(h) as TraceHead, response: benchResponse, bodies: null }, provider))));
  process.stdout.write(
    `stages as ${stageSpans ? 'spans' : 'attributes'} (${traces[0]!.length} per trace): parse ${parse.toFixed(1)}, build ${spans.toFixed(1)}, encode: official serializer ${before.toFixed(1)}, encoder ${after.toFixed(1)}; parse+build+encode ${whole.toFixed(1)}\n`,
  );
}
