import { RetentionStatusSchema, type RetentionStatus } from '../store/retention.js';
import { TelemetryStatusSchema, type TelemetryStatus } from '../telemetry/status.js';
import { LimitStoreStatusSchema, type LimitStoreStatus } from '../limits/types.js';
import { homePaths, readRuntime } from '../core/home.js';
import { resolveLocalToken } from '../keychain/token.js';
import type { z } from 'zod';
import { PolicyViewSchema } from '../policy/view.js';
import { CommandError, parse, resolveHome, resolvePort } from './args.js';
import { GatewayStatusSchema, IdentitySchema, SyncStatusSchema, type SyncStatus } from '../admin/schemas.js';

export const STATUS_HELP = `Usage: gatehouse status [--json] [--port P]

Asks the running gateway of this home how it is doing: the tier and policy in force (source,
version, a refused change), providers, identity, traces, and fleet sync: the enrollment
(central URL, device id, org, user), the last sync and its error, and the outbox depth.
`;

const IDENTITY_SOURCES: Record<string, string> = {
  pat: "the PAT's owner",
  cache: "the PAT's owner as last known (central gateway not reached)",
  os: 'the OS user (no PAT)',
};

/** What `gatehouse status` shows of the policy in force (`GET /api/policy` without the resolved tiers). */
const StatusPolicySchema = PolicyViewSchema.pick({ source: true, file: true, org: true, version: true, tiers: true, last_error: true });
type StatusPolicy = z.infer<typeof StatusPolicySchema>;

/**
 * What `gatehouse status` reads of `GET /api/status`, from its schema: the fields it shows, the
 * identity and `sync` optional as older gateways may not send them, the rest kept for `--json`.
 */
const StatusReplySchema = GatewayStatusSchema.pick({ version: true, pid: true, uptime_s: true, tier: true, providers: true, store: true, memory_rss_bytes: true })
  .extend({ identity: IdentitySchema.optional(), sync: SyncStatusSchema.optional().catch(undefined), telemetry: TelemetryStatusSchema.nullable().optional().catch(undefined), retention: RetentionStatusSchema.optional().catch(undefined), limits: LimitStoreStatusSchema.nullable().optional().catch(undefined) })
  .loose();

/** `gatehouse status`: asks the running gateway how it is doing, and which policy it enforces. */
export async function status(argv: string[]): Promise<void> {
  const { values } = parse(argv, { port: { type: 'string', short: 'p' } });
  const paths = homePaths(resolveHome(values.home));
  const runtime = readRuntime(paths);
  const port = values.port !== undefined || process.env.GATEHOUSE_PORT ? resolvePort(values.port) : (runtime?.port ?? 4141);
  const t = await resolveLocalToken(paths, process.env, false);
  if (!t) throw new CommandError(`No gateway has run with home ${paths.dir}: start one with \`gatehouse start\`.`);
  const get = (path: string) => adminGet(port, t.value, path);
  const [statusBody, view] = await Promise.all([get('/api/status'), get('/api/policy')]);
  const s = StatusReplySchema.parse(statusBody);
  const policy = StatusPolicySchema.parse(view);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...s, policy })}\n`);
    return;
  }
  process.stdout.write(
    [
      `Gatehouse ${s.version} running on http://127.0.0.1:${port} (pid ${s.pid}, up ${s.uptime_s}s)`,
      `  Tier       ${s.tier.active}${s.tier.shadow.length ? ` (shadow: ${s.tier.shadow.join(', ')})` : ''}`,
      ...policyLines(policy),
      `  Providers  ${s.providers.map((p) => `${p.id} (${p.kind})`).join(', ')}`,
      ...(s.sync ? syncLines(s.sync) : []),
      ...(s.identity ? [`  Identity   ${s.identity.user}${s.identity.team ? ` (team ${s.identity.team})` : ''}, ${IDENTITY_SOURCES[s.identity.source] ?? s.identity.source}`] : []),
      ...(s.telemetry ? [telemetryLine(s.telemetry)] : []),
      ...(s.retention ? [retentionLine(s.retention)] : []),
      ...(s.limits ? [limitsLine(s.limits)] : []),
      `  Traces     ${s.store.traces} (${(s.store.bytes / 1048576).toFixed(1)} MiB)`,
      `  Memory     ${(s.memory_rss_bytes / 1048576).toFixed(0)} MiB RSS`,
      '',
    ].join('\n'),
  );
}

async function adminGet(port: number, token: string, path: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(3000) });
  } catch {
    throw new CommandError(`Gatehouse is not running on 127.0.0.1:${port}: start it with \`gatehouse start\`.`);
  }
  if (!res.ok) throw new CommandError(`The gateway on port ${port} answered ${res.status} to ${path}: it may belong to another home (--home) or token.`);
  return res.json();
}

const POLICY_SOURCES: Record<StatusPolicy['source'], string> = { builtin: 'built-in', file: 'file', org: 'org' };

/** The policy line, and the refused edit (the last good policy stays in force) when there is one. */
function policyLines(p: StatusPolicy): string[] {
  const what = p.source === 'builtin' ? 'built-in permissive tier (no policy file configured)' : `${p.org ?? 'no org'}${p.version !== null ? ` v${p.version}` : ''} (${POLICY_SOURCES[p.source]}${p.file ? ` ${p.file}` : ''})`;
  const lines = [`  Policy     ${what}; tiers ${p.tiers.active}${p.tiers.shadow.length ? `, shadow ${p.tiers.shadow.join(', ')}` : ''}`];
  if (p.last_error) {
    lines.push(
      p.source === 'org' || p.last_error.file.includes('/v1/fleet/') || p.last_error.file.endsWith('org-policy.json')
        ? `  Refused    an org bundle from ${p.last_error.file} at ${p.last_error.at}:`
        : `  Refused    the edit of ${p.last_error.file} at ${p.last_error.at}; the policy above stays in force until it is fixed:`,
    );
    lines.push(...p.last_error.message.split('\n').map((l) => `             ${l}`));
  }
  return lines;
}

/** How long traces are kept, within what budget, and what the last sweep did. */
function retentionLine(r: RetentionStatus): string {
  const budget = r.max_bytes === null ? '' : `, at most ${(r.max_bytes / 1024 ** 3).toFixed(1)} GB`;
  const last = r.last_error !== null ? `; last sweep failed: ${r.last_error}` : r.last_sweep ? `; last sweep ${r.last_sweep.at} deleted ${r.last_sweep.traces}` : '';
  return `  Retention  ${r.retention_days} days${budget}${last}`;
}

/** The shared limit store, and whether this gateway is on its local share. */
function limitsLine(l: LimitStoreStatus): string {
  const c = l.counters;
  const state = l.state === 'shared'
    ? 'shared'
    : `OUT OF REACH since ${l.local_since}: enforcing 1/${l.replicas} of each limit locally (${l.reason ?? 'no answer'})`;
  return `  Limits     ${l.url} (${l.replicas} replicas), ${state}; ${c.shared_decisions} shared and ${c.local_decisions} local decisions, ${c.timeouts} timeouts`;
}

/** Where traces are exported, and what was lost on the way. */
function telemetryLine(t: TelemetryStatus): string {
  const lost = [t.dropped > 0 ? `${t.dropped} dropped (queue full)` : '', t.failed > 0 ? `${t.failed} failed` : ''].filter(Boolean).join(', ');
  const tail = t.last_error !== null && t.failed > 0 ? `; last error: ${t.last_error}` : '';
  return `  Telemetry  OTLP ${t.protocol} to ${t.endpoint}: ${t.exported} exported, ${t.queued} queued${lost ? `, ${lost}` : ''}${tail}`;
}

/** Enrollment, the last sync and the outbox; for a device that is not enrolled, how to enroll. */
function syncLines(s: SyncStatus): string[] {
  const e = s.enrollment;
  if (e === null) return ['  Fleet      not enrolled (enroll with `gatehouse enroll --central URL`, the PAT on stdin)'];
  const last = s.last_sync;
  const lines = [
    `  Fleet      enrolled in ${e.org} at ${e.central_url} as ${e.user}${e.team ? ` (team ${e.team})` : ''}; device ${e.device_id}`,
    `  Last sync  ${last === null ? 'not yet' : `${last.at}: ${last.outcome}${last.version !== null ? `, v${last.version} in force` : ''}`}${s.next_sync_at ? `; next ${s.next_sync_at}` : ''}`,
  ];
  if (last?.error) lines.push(`  Sync error ${last.error}`);
  lines.push(`  Outbox     ${s.outbox.depth} record${s.outbox.depth === 1 ? '' : 's'} waiting${s.outbox.dropped > 0 ? `, ${s.outbox.dropped} dropped (${s.outbox.overflow})` : ''}`);
  return lines;
}
