import type { FastifyInstance } from 'fastify';
import type { LimitStoreStatus } from '../../../local-gateway/limits/types.js';
import { adminChecker } from '../auth.js';
import { PATHS } from '../../protocol.js';
import type { IngestGate } from '../ingest-gate.js';

/** A histogram's samples name their series (`_bucket`, `_sum`, `_count`) by `suffix`. */
type Sample = { labels?: Record<string, string>; value: number; suffix?: string };
interface Metric {
  name: string;
  type: 'gauge' | 'counter' | 'histogram';
  help: string;
  samples: Sample[];
}

/** Prometheus' text exposition format (0.0.4): HELP, TYPE, then one line per sample. */
export function exposition(metrics: readonly Metric[]): string {
  const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  const lines: string[] = [];
  for (const m of metrics) {
    lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
    for (const s of m.samples) {
      const labels = s.labels ? `{${Object.entries(s.labels).map(([k, v]) => `${k}="${label(v)}"`).join(',')}}` : '';
      lines.push(`${m.name}${s.suffix ?? ''}${labels} ${s.value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The shared limit store's state: whether this replica is on its local share (Redis out) is a
 * gauge an alert can watch, since a replica there admits up to its share, never fails open.
 */
export function limitMetrics(s: LimitStoreStatus | null): Metric[] {
  if (s === null) return [];
  const c = s.counters;
  return [
    { name: 'gatehouse_limits_store_local', type: 'gauge', help: '1 while this replica enforces its local share of each limit because the shared store does not answer.', samples: [{ value: s.state === 'local' ? 1 : 0 }] },
    { name: 'gatehouse_limits_store_replicas', type: 'gauge', help: 'The replica count a local share divides each limit by.', samples: [{ value: s.replicas }] },
    { name: 'gatehouse_limits_decisions_total', type: 'counter', help: 'Rate-limit and budget decisions, by where they were made.', samples: [{ labels: { where: 'shared' }, value: c.shared_decisions }, { labels: { where: 'local' }, value: c.local_decisions }] },
    { name: 'gatehouse_limits_store_timeouts_total', type: 'counter', help: 'Shared store calls that took longer than their timeout.', samples: [{ value: c.timeouts }] },
    { name: 'gatehouse_limits_store_errors_total', type: 'counter', help: 'Shared store calls that failed.', samples: [{ value: c.errors }] },
    { name: 'gatehouse_limits_script_reloads_total', type: 'counter', help: 'Decisions that reloaded the Lua script (NOSCRIPT after a restart or SCRIPT FLUSH).', samples: [{ value: c.noscript_reloads }] },
    { name: 'gatehouse_limits_budget_reseeds_total', type: 'counter', help: 'Budgets reseeded from the usage rollups after the store lost them.', samples: [{ value: c.reseeds }] },
  ];
}

/** The ingest duration histogram, in seconds as Prometheus expects. */
function ingestDurations(gate: IngestGate): Metric {
  const d = gate.durations();
  const le = (ms: number) => (ms === Number.POSITIVE_INFINITY ? '+Inf' : String(ms / 1000));
  return {
    name: 'gatehouse_central_ingest_duration_seconds',
    type: 'histogram',
    help: 'Records batches taken, from arrival to answer on this replica (refused ones are not in it).',
    samples: [
      ...d.buckets.map((b) => ({ suffix: '_bucket', labels: { le: le(b.le) }, value: b.count })),
      { suffix: '_sum', value: d.sumMs / 1000 },
      { suffix: '_count', value: d.count },
    ],
  };
}

/** `GET /metrics`, admin token as bearer: ingest protection, the policy in force, the shared limits. */
export async function metricsRoutes(app: FastifyInstance, opts: { adminToken: string }): Promise<void> {
  const { ingest, policies } = app.central;
  const checkAdmin = adminChecker(opts.adminToken);
  app.addHook('onRequest', async (req) => checkAdmin(req.headers));
  app.get(PATHS.metrics, { config: { public: true } }, async (_req, reply) => {
    const version = policies.latest()?.version;
    const metrics: Metric[] = [
      { name: 'gatehouse_central_ingest_in_flight', type: 'gauge', help: 'Records batches this replica is taking now, from arrival to answer.', samples: [{ value: ingest.inFlight }] },
      { name: 'gatehouse_central_ingest_limit', type: 'gauge', help: 'Records batches this replica takes at once before answering 429.', samples: [{ value: ingest.limit }] },
      { name: 'gatehouse_central_ingest_admitted_total', type: 'counter', help: 'Records batches taken.', samples: [{ value: ingest.admitted }] },
      { name: 'gatehouse_central_ingest_refused_total', type: 'counter', help: 'Records batches refused with 429 and Retry-After because too many were in flight.', samples: [{ value: ingest.refused }] },
      ingestDurations(ingest),
      { name: 'gatehouse_central_records_reattributed_total', type: 'counter', help: "Records that named another user or team than their PAT's, stored under the PAT's (a batch sent again counts again).", samples: [{ value: ingest.reattributed }] },
      { name: 'gatehouse_central_policy_version', type: 'gauge', help: 'The latest published policy version this replica serves (0 before the first).', samples: [{ value: version ?? 0 }] },
      ...limitMetrics(app.policy.shared?.status() ?? null),
    ];
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(exposition(metrics));
  });
}
