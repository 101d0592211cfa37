import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { OtlpConfig } from '../../config/schema.js';
import { registerSecret } from '../../core/redact.js';
import { VERSION } from '../../core/version.js';
import type { TraceSink } from '../../pipeline/trace.js';
import { loadSecret } from '../../providers/secrets.js';
import type { PolicySource } from '../../policy/source.js';
import type { TraceRecord } from '../../store/schema.js';
import type { TelemetryExporter } from '../../telemetry/exporter.js';
import type { QueuedTrace } from '../../telemetry/export-worker.js';
import type { ProviderFacts } from '../../telemetry/spans.js';
import { BodyRedactor } from '../../../sync/device/record-bodies.js';
import type { GatewayOptions } from '../options.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** OTLP export of every trace; null unless `telemetry.otlp` is configured. */
    telemetry: TelemetryExporter | null;
  }
}

type BodiesLevel = OtlpConfig['bodies'];
const RANK: Record<BodiesLevel, number> = { none: 0, redacted: 1, full: 2 };

/**
 * The OTLP exporter of `telemetry.otlp`, hung off this gateway and flushed when it closes
 * (before the store, which closes after it).
 */
async function telemetry(app: FastifyInstance, opts: GatewayOptions): Promise<void> {
  const otlp = app.runtime.config.telemetry?.otlp;
  if (otlp === undefined) {
    app.decorate('telemetry', null);
    return;
  }
  const { env, config } = app.runtime;
  const providers = new Map<string, ProviderFacts>([['demo', { kind: 'demo', baseUrl: null }]]);
  for (const p of config.providers) providers.set(p.id, { kind: p.kind, baseUrl: 'base_url' in p && typeof p.base_url === 'string' ? p.base_url : null });
  const headers = async () => {
    const out: Record<string, string> = {};
    for (const [name, ref] of Object.entries(otlp.headers)) {
      const value = await loadSecret('telemetry', ref, env);
      if (value === null) continue;
      // A collector's key must never show in a trace, a log or the dashboard either.
      registerSecret(value);
      out[name] = value;
    }
    return out;
  };
  // Loaded only when configured: the OpenTelemetry packages are a few MB of idle memory otherwise.
  const { TelemetryExporter } = await import('../../telemetry/exporter.js');
  const exporter = new TelemetryExporter({
    config: otlp,
    headers,
    providers,
    resource: { 'service.name': 'gatehouse', 'service.version': VERSION, 'host.name': hostname() },
    ...opts.telemetry,
  });
  app.decorate('telemetry', exporter);
  app.addHook('onClose', () => exporter.close());
}

/**
 * A trace sink that also queues each trace for export. Bodies go only as far as both the
 * policy's `logging.bodies` (of the active tier) and `telemetry.otlp.bodies` allow; they are
 * the store's masked text, and `redacted` also masks what the PII and secrets scanners find.
 */
export function exportingSink(sink: TraceSink, exporter: TelemetryExporter | null, opts: { policy: PolicySource; activeTier: string; bodies: BodiesLevel }): TraceSink {
  if (exporter === null) return sink;
  const redactor = new BodyRedactor();
  return {
    write(record: TraceRecord) {
      sink.write(record);
      const policyLevel = opts.policy.current().tiers.get(opts.activeTier)?.logging.bodies ?? 'full';
      const level = RANK[policyLevel] < RANK[opts.bodies] ? policyLevel : opts.bodies;
      const item: QueuedTrace = { head: record.headJson ?? JSON.stringify(record.head), response: record.response, bodies: null };
      if (level === 'none') return exporter.add(item);
      if (level === 'full') return exporter.add({ ...item, bodies: { request: record.request, response: record.response } });
      // Scanning runs after the response went out, and a failed scan costs the bodies, never the span.
      void redacted(redactor, record)
        .then((bodies) => exporter.add({ ...item, bodies }))
        .catch(() => exporter.add(item));
    },
  };
}

async function redacted(redactor: BodyRedactor, record: TraceRecord): Promise<{ request: string; response: string }> {
  const [request, response] = await Promise.all([redactor.redact(JSON.parse(record.request)), redactor.redact(JSON.parse(record.response))]);
  return { request: JSON.stringify(request), response: JSON.stringify(response) };
}

export const telemetryPlugin = fp(telemetry, { name: 'gatehouse-telemetry', dependencies: ['gatehouse-runtime'] });
