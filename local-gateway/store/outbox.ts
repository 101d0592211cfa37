import type { Database, Statement } from 'better-sqlite3';
import type { SyncRecord } from '../../sync/protocol.js';
import type { OutboxBudget } from '../config/schema.js';
import { uuidv7 } from '../core/ids.js';
import type { TraceHead } from './schema.js';

/**
 * The sync records outbox: one row per stored trace while the device is enrolled, written by
 * `TraceStore` inside the trace's own transaction (so a trace and its record commit or roll
 * back together, and there is no second write path), read and deleted by the sender
 * (`sync/device/outbox-sender.ts`) once the central gateway acknowledged it.
 *
 * The state (device id, next seq, depth, budget) lives in the `outbox_state` row rather than
 * in memory: the importer worker thread writes traces on its own connection, and reads it in
 * each transaction, so `setDevice` and `configure` reach it without a message.
 */

export type { OutboxBudget };
export const DEFAULT_OUTBOX_BUDGET: OutboxBudget = { max_records: 200_000, overflow: 'drop_oldest' };

/** What the store keeps of a record beyond its identity: everything in SyncRecord but bodies. */
export type OutboxPayload = Omit<SyncRecord, 'record_id' | 'seq' | 'trace_id' | 'started_at' | 'bodies'>;

/** A waiting record as read for a batch; `payload` is JSON text of an OutboxPayload. */
export interface OutboxRow {
  seq: number;
  device_id: string;
  record_id: string;
  trace_id: string;
  started_at: number;
  payload: string;
}

export interface OutboxState {
  device_id: string | null;
  /** The seq the next record gets; `next_seq - 1` is the last one assigned. */
  next_seq: number;
  depth: number;
  dropped: number;
  max_records: number;
  overflow: OutboxBudget['overflow'];
}

export interface DroppedRange {
  from_seq: number;
  to_seq: number;
  reason: string;
}

/** A dropped range as a batch reported it. */
export type ReportedRange = Pick<DroppedRange, 'from_seq' | 'to_seq'>;

const DROP_REASON: Record<OutboxBudget['overflow'], string> = {
  drop_oldest: 'outbox over its budget (max_records): oldest dropped',
  drop_newest: 'outbox over its budget (max_records): newest dropped',
};

/** The record fields a trace carries, usage and verdicts included (sync.push filters at send time). */
export function recordPayload(t: TraceHead): OutboxPayload {
  return {
    duration_ms: t.duration_ms,
    api: t.api,
    tier: t.tier,
    status: t.status,
    error_code: t.error_code,
    requested_model: t.requested_model,
    resolved_model: t.resolved_model,
    provider: t.provider,
    user: t.caller.user,
    team: t.caller.team,
    metadata: t.metadata,
    policy_version: t.policy_version ?? null,
    usage: {
      tokens_in: t.tokens_in,
      tokens_out: t.tokens_out,
      tokens_cached: t.tokens_cached,
      // Journal lines written before these fields existed have none.
      tokens_reasoning: t.tokens_reasoning ?? null,
      cost_usd: t.cost_usd ?? null,
    },
    verdicts: (t.verdicts ?? []).map((v) => ({ tier: v.tier, rule: v.rule, stage: v.stage, decision: v.decision, mode: v.mode, enforced: v.enforced })),
    ...servedBy(t.response_headers),
  };
}

/** An upstream that is an org's central gateway says so (`x-gatehouse-org`): it counts the usage. */
function servedBy(upstreamHeaders: Readonly<Record<string, string>> | undefined): { served_by_org?: string } {
  const org = upstreamHeaders?.['x-gatehouse-org']?.trim();
  return org ? { served_by_org: org.slice(0, 200) } : {};
}

export class OutboxStore {
  private readonly selectState: Statement<[], OutboxState>;
  private readonly insertRow: Statement<[number, string, string, string, number, string]>;
  private readonly advance: Statement<[number, number, number]>;
  private readonly dropOldest: Statement<[number], { seq: number }>;
  private readonly lastDropped: Statement<[], DroppedRange>;
  private readonly extendDropped: Statement<[number, number]>;
  private readonly insertDropped: Statement<[number, number, string]>;
  private readonly selectOldest: Statement<[string, number], OutboxRow>;
  private readonly selectDropped: Statement<[number], DroppedRange>;
  private readonly deleteRow: Statement<[number, string]>;
  private readonly deleteDropped: Statement<[number]>;
  private readonly oldestStart: Statement<[], number | null>;
  private readonly ackTx: (deviceId: string, seqs: readonly number[], dropped: readonly ReportedRange[]) => number;
  private readonly setDeviceTx: (deviceId: string | null) => number;

  constructor(private readonly db: Database) {
    this.selectState = db.prepare<[], OutboxState>('SELECT device_id, next_seq, depth, dropped, max_records, overflow FROM outbox_state WHERE id = 1');
    this.insertRow = db.prepare('INSERT INTO outbox (seq, device_id, record_id, trace_id, started_at, payload) VALUES (?, ?, ?, ?, ?, ?)');
    this.advance = db.prepare('UPDATE outbox_state SET next_seq = next_seq + 1, depth = depth + ?, dropped = dropped + ? WHERE id = 1 AND next_seq = ?');
    this.dropOldest = db.prepare<[number], { seq: number }>('DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT ?) RETURNING seq');
    this.lastDropped = db.prepare<[], DroppedRange>('SELECT from_seq, to_seq, reason FROM outbox_dropped ORDER BY from_seq DESC LIMIT 1');
    this.extendDropped = db.prepare('UPDATE outbox_dropped SET to_seq = ? WHERE from_seq = ?');
    this.insertDropped = db.prepare('INSERT INTO outbox_dropped (from_seq, to_seq, reason) VALUES (?, ?, ?)');
    this.selectOldest = db.prepare<[string, number], OutboxRow>(
      'SELECT seq, device_id, record_id, trace_id, started_at, payload FROM outbox WHERE device_id = ? ORDER BY seq LIMIT ?',
    );
    this.selectDropped = db.prepare<[number], DroppedRange>('SELECT from_seq, to_seq, reason FROM outbox_dropped ORDER BY from_seq LIMIT ?');
    this.deleteRow = db.prepare('DELETE FROM outbox WHERE seq = ? AND device_id = ?');
    this.deleteDropped = db.prepare('DELETE FROM outbox_dropped WHERE from_seq = ?');
    const droppedAt = db.prepare<[number, number], DroppedRange>('SELECT from_seq, to_seq, reason FROM outbox_dropped WHERE from_seq <= ? AND to_seq >= ?');
    const forgetDropped = db.prepare('UPDATE outbox_state SET dropped = dropped - ? WHERE id = 1');
    this.oldestStart = db.prepare<[], number | null>('SELECT started_at FROM outbox ORDER BY seq LIMIT 1').pluck();
    const setDepth = db.prepare('UPDATE outbox_state SET depth = depth - ? WHERE id = 1');
    /** Takes `[from, to]` out of the unreported ranges, keeping what lies on either side of it. */
    const unreport = (from: number, to: number): number => {
      let removed = 0;
      for (let range = droppedAt.get(to, from); range !== undefined; range = droppedAt.get(to, from)) {
        this.deleteDropped.run(range.from_seq);
        if (range.from_seq < from) this.insertDropped.run(range.from_seq, from - 1, range.reason);
        if (range.to_seq > to) this.insertDropped.run(to + 1, range.to_seq, range.reason);
        removed += Math.min(range.to_seq, to) - Math.max(range.from_seq, from) + 1;
      }
      return removed;
    };
    const ack = db.transaction((deviceId: string, seqs: readonly number[], dropped: readonly ReportedRange[]) => {
      let deleted = 0;
      let delivered = 0;
      const current = this.selectState.get()!.device_id === deviceId;
      for (const seq of seqs) {
        const gone = this.deleteRow.run(seq, deviceId).changes;
        deleted += gone;
        // Dropped by the budget while its batch was in flight, yet the central has it: it was
        // delivered after all, so neither a loss to report nor one to count.
        if (gone === 0 && current) delivered += unreport(seq, seq);
      }
      // Exactly the ranges the batch reported: a range that grew while the batch was in flight
      // keeps its new part for the next batch.
      for (const d of dropped) unreport(d.from_seq, d.to_seq);
      if (deleted > 0) setDepth.run(deleted);
      if (delivered > 0) forgetDropped.run(delivered);
      return deleted;
    });
    this.ackTx = (deviceId, seqs, dropped) => ack.immediate(deviceId, seqs, dropped);
    const seqDevice = db.prepare<[], string | null>('SELECT seq_device FROM outbox_state WHERE id = 1').pluck();
    const updateDevice = db.prepare<[string | null, string | null]>('UPDATE outbox_state SET device_id = ?, seq_device = coalesce(?, seq_device) WHERE id = 1');
    const setDevice = db.transaction((deviceId: string | null): number => {
      // Unenrolling keeps what waits and the sequence (re-enrolling as the same device sends
      // it on); another device id starts a new sequence from 1, and the old enrollment's
      // records can no longer be sent as anyone: they go, counted for the caller to report.
      let discarded = 0;
      if (deviceId !== null && seqDevice.get() !== deviceId) {
        discarded = this.selectState.get()!.depth;
        this.reset();
      }
      updateDevice.run(deviceId, deviceId);
      return discarded;
    });
    this.setDeviceTx = (deviceId) => setDevice.immediate(deviceId);
  }

  /**
   * Writes the record of a trace being stored. Runs inside the trace's transaction (the caller's
   * `TraceStore.write`): seq comes from the state row in that transaction, so a trace that rolls
   * back takes its seq with it. No-op while no device is set.
   */
  append(trace: TraceHead): void {
    const s = this.selectState.get()!;
    if (s.device_id === null) return;
    const seq = s.next_seq;
    if (s.depth >= s.max_records && s.overflow === 'drop_newest') {
      this.recordDropped([seq], s.overflow);
      this.advance.run(0, 1, seq);
      return;
    }
    let dropped = 0;
    if (s.depth >= s.max_records) {
      // The budget may have been lowered since: drop down to it in one go.
      const gone = this.dropOldest.all(s.depth - s.max_records + 1).map((r) => r.seq);
      this.recordDropped(gone, s.overflow);
      dropped = gone.length;
    }
    this.insertRow.run(seq, s.device_id, uuidv7(trace.started_at), trace.id, trace.started_at, JSON.stringify(recordPayload(trace)));
    this.advance.run(1 - dropped, dropped, seq);
  }

  /** Starts (device id) or stops (null) writing records; how many records of another device it discarded. */
  setDevice(deviceId: string | null): number {
    return this.setDeviceTx(deviceId);
  }

  /** Sets the disk budget; a lower one takes effect at the next record. */
  configure(budget: OutboxBudget): void {
    this.db.prepare('UPDATE outbox_state SET max_records = ?, overflow = ? WHERE id = 1').run(budget.max_records, budget.overflow);
  }

  state(): OutboxState {
    return this.selectState.get()!;
  }

  /** Start time of the oldest waiting record; null when none waits. */
  oldestAt(): number | null {
    return this.oldestStart.get() ?? null;
  }

  /** The oldest `n` waiting records of a device, in seq order. */
  oldest(deviceId: string, n: number): OutboxRow[] {
    return this.selectOldest.all(deviceId, n);
  }

  /** Dropped ranges not yet reported, oldest first. */
  droppedRanges(n: number): DroppedRange[] {
    return this.selectDropped.all(n);
  }

  /**
   * Deletes what the central gateway acknowledged: exactly these seqs of this device, and the
   * dropped ranges the batch reported. Returns how many records it deleted.
   */
  acknowledge(deviceId: string, seqs: readonly number[], dropped: readonly ReportedRange[] = []): number {
    return this.ackTx(deviceId, seqs, dropped);
  }

  /** Merges dropped seqs (ascending) into the unreported ranges. */
  private recordDropped(seqs: readonly number[], overflow: OutboxBudget['overflow']): void {
    const reason = DROP_REASON[overflow];
    for (const seq of seqs) {
      const last = this.lastDropped.get();
      if (last !== undefined && last.to_seq + 1 === seq && last.reason === reason) this.extendDropped.run(seq, last.from_seq);
      else this.insertDropped.run(seq, seq, reason);
    }
  }

  private reset(): void {
    this.db.exec('DELETE FROM outbox; DELETE FROM outbox_dropped; UPDATE outbox_state SET next_seq = 1, depth = 0, dropped = 0 WHERE id = 1');
  }
}
