import type { ActivePolicy } from '../../local-gateway/policy/source.js';
import type { DroppedRange, OutboxPayload, OutboxRow } from '../../local-gateway/store/outbox.js';
import type { Trace } from '../../local-gateway/store/schema.js';
import type { RecordsBatch, SyncRecord } from '../protocol.js';
import type { BodiesLogging, BodyRedactor } from './record-bodies.js';

/** What the bundle asks the device to push, and how bodies are to be logged. */
export interface PushPolicy {
  /** The bundle's `sync.push`: which parts travel beyond the identity fields and metadata. */
  push: readonly ('usage' | 'verdicts' | 'bodies')[];
  /** The bundle's `logging.bodies`: bodies travel only when asked, and never more than logged. */
  logging: BodiesLogging;
}

/** The push policy of the active tier of the policy in force. */
export function pushPolicyOf(policy: ActivePolicy, activeTier: string): PushPolicy {
  const tier = policy.tiers.get(activeTier);
  return { push: tier?.sync.push ?? ['usage', 'verdicts'], logging: tier?.logging.bodies ?? 'full' };
}

export interface BatchSources {
  /** The stored trace (for its bodies); null once retention removed it. */
  trace(id: string): Trace | null;
  redactor: BodyRedactor;
}

/**
 * The batch for waiting rows: each record's fields filtered by `sync.push` (metadata always
 * travels), bodies read from the trace store only when asked, redacted as `logging` says.
 */
export async function buildBatch(
  deviceId: string,
  rows: readonly OutboxRow[],
  dropped: readonly DroppedRange[],
  policy: PushPolicy,
  src: BatchSources,
): Promise<RecordsBatch> {
  const usage = policy.push.includes('usage');
  const verdicts = policy.push.includes('verdicts');
  const bodies = policy.push.includes('bodies') && policy.logging !== 'none';
  const records: SyncRecord[] = [];
  for (const row of rows) {
    const { usage: u, verdicts: v, ...rest } = JSON.parse(row.payload) as OutboxPayload;
    const record: SyncRecord = { record_id: row.record_id, seq: row.seq, trace_id: row.trace_id, started_at: row.started_at, ...rest };
    if (usage && u !== undefined) record.usage = u;
    if (verdicts && v !== undefined) record.verdicts = v;
    if (bodies) {
      const trace = src.trace(row.trace_id);
      if (trace !== null) {
        const pair = { request: trace.request_body ?? null, response: trace.response_body ?? null };
        record.bodies = policy.logging === 'redacted'
          ? { request: await src.redactor.redact(pair.request), response: await src.redactor.redact(pair.response) }
          : pair;
      }
    }
    records.push(record);
  }
  return { device_id: deviceId, records, dropped: dropped.map((d) => ({ ...d })) };
}
