import type { Database, Statement } from 'better-sqlite3';
import { z } from 'zod';
import { uuidv7LowerBound } from '../core/ids.js';
import type { Verdict } from '../policy/schema.js';
import { skeletonRefs } from './bodies.js';
import { traceTags } from './query.js';
import { SearchIndex } from './search.js';

/**
 * Retention: the store keeps traces for `logging.retention_days` and within `storage.max_gb`,
 * deleting oldest first in small transactions, so the importer (which runs this) goes on
 * storing traces between batches and readers never wait on a long write.
 *
 * A deleted trace takes its verdicts (foreign key cascade), its list tags (recomputed from the
 * row and deleted by key, since trace_tags is keyed by tag), its search entries (store/search.ts)
 * and its references to body blobs;
 * a blob goes when its last reference does, so content a newer trace shares stays. The sync
 * outbox keeps its records: they are the device's audit trail until the central acknowledges
 * them, and a record without its trace travels without bodies.
 */

export const SweepRequestSchema = z.object({
  /** Unix ms: traces started before it are deleted. */
  before: z.number(),
  /** Bytes the store may use; past it the oldest traces go until it fits. Null: no budget. */
  maxBytes: z.number().nullable(),
  /** Traces per transaction. */
  batch: z.number().int().positive().default(500),
});
export type SweepRequest = z.input<typeof SweepRequestSchema>;

export const SweepResultSchema = z.object({
  traces: z.number().int(),
  blobs: z.number().int(),
  /** Pages handed back to the file system by incremental vacuum. */
  pages_freed: z.number().int(),
  /** The store's used bytes after the sweep (pages in use, free pages excluded). */
  bytes: z.number().int(),
});
export type SweepResult = z.infer<typeof SweepResultSchema>;

interface VictimRow {
  seq: number;
  id: string;
  requested_model: string | null;
  resolved_model: string | null;
  provider: string | null;
  status: number;
  metadata: string;
  session: string | null;
  request_body: string | null;
  response_body: string | null;
}

/** What retention keeps and what it last did, as `GET /api/status` reports it under `retention`. */
export const RetentionStatusSchema = z.object({
  /** The active tier's `logging.retention_days`. */
  retention_days: z.number().int(),
  /** `storage.max_gb` in bytes; null without a budget. */
  max_bytes: z.number().int().nullable(),
  last_sweep: z
    .object({ at: z.string(), traces: z.number().int(), blobs: z.number().int(), pages_freed: z.number().int(), bytes: z.number().int() })
    .nullable(),
  last_error: z.string().nullable(),
});
export type RetentionStatus = z.infer<typeof RetentionStatusSchema>;

export class Retention {
  private readonly oldest: Statement<[string, number], VictimRow>;
  private readonly fired: Statement<[string], Pick<Verdict, 'tier' | 'rule' | 'decision'>>;
  private readonly deleteTrace: Statement<[string]>;
  private readonly deleteTag: Statement<[string, string]>;
  private readonly unref: Statement<[number, number], number>;
  private readonly deleteBlob: Statement<[number]>;
  private readonly deleteRef: Statement<[number]>;
  private readonly search: SearchIndex;

  constructor(private readonly db: Database) {
    this.search = new SearchIndex(db);
    const cols = 'seq, id, requested_model, resolved_model, provider, status, metadata, session, request_body, response_body';
    this.oldest = db.prepare<[string, number], VictimRow>(`SELECT ${cols} FROM traces WHERE id < ? ORDER BY id LIMIT ?`);
    this.fired = db.prepare<[string], Pick<Verdict, 'tier' | 'rule' | 'decision'>>("SELECT tier, rule, decision FROM verdicts WHERE trace_id = ? AND decision <> 'allow'");
    this.deleteTrace = db.prepare<[string]>('DELETE FROM traces WHERE id = ?');
    this.deleteTag = db.prepare<[string, string]>('DELETE FROM trace_tags WHERE tag = ? AND trace_id = ?');
    this.unref = db.prepare<[number, number], number>('UPDATE blob_refs SET refs = refs - ? WHERE blob_id = ? RETURNING refs').pluck();
    this.deleteBlob = db.prepare<[number]>('DELETE FROM blobs WHERE id = ?');
    this.deleteRef = db.prepare<[number]>('DELETE FROM blob_refs WHERE blob_id = ?');
  }

  /** Pages in use, times the page size: what `storage.max_gb` bounds. */
  usedBytes(): number {
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * (this.db.pragma('page_size', { simple: true }) as number);
  }

  /**
   * Whether a sweep has anything to do: the store over its budget, free pages to give back, or
   * a trace older than `before`. Cheap (an index probe and three pragmas), so a gateway whose
   * store has nothing due does not wake its importer thread, or start it, for a sweep.
   */
  due(req: SweepRequest): boolean {
    const { before, maxBytes } = SweepRequestSchema.parse(req);
    if (maxBytes !== null && this.usedBytes() > maxBytes) return true;
    if ((this.db.pragma('freelist_count', { simple: true }) as number) > 0) return true;
    return this.oldest.get(uuidv7LowerBound(before), 1) !== undefined;
  }

  /**
   * One transaction: deletes up to `batch` traces older than `before` or, while the store is
   * over `maxBytes`, the oldest. Returns what it deleted (0 traces: nothing left to do).
   */
  batch(req: SweepRequest): { traces: number; blobs: number } {
    const { before, maxBytes, batch } = SweepRequestSchema.parse(req);
    // Over budget, any trace may go (oldest first); else only the expired ones.
    const bound = maxBytes !== null && this.usedBytes() > maxBytes ? '\uffff' : uuidv7LowerBound(before);
    return this.db.transaction(() => {
      let blobs = 0;
      const victims = this.oldest.all(bound, batch);
      for (const v of victims) blobs += this.remove(v);
      return { traces: victims.length, blobs };
    }).immediate();
  }

  private remove(v: VictimRow): number {
    const verdicts = this.fired.all(v.id).map((f) => ({ ...f }) as Verdict);
    const tags = traceTags({ ...v, metadata: JSON.parse(v.metadata) as Record<string, string>, verdicts }, v.session);
    for (const tag of tags) this.deleteTag.run(tag, v.id);
    this.search.remove(v.seq, v.request_body);
    this.deleteTrace.run(v.id);
    const counts = new Map<number, number>();
    for (const id of [...skeletonRefs(v.request_body), ...skeletonRefs(v.response_body)]) counts.set(id, (counts.get(id) ?? 0) + 1);
    let freed = 0;
    for (const [id, n] of counts) {
      const left = this.unref.get(n, id);
      // No count (a blob stored before counting and missed by it) is treated as unshared only when nothing else references it: keep it.
      if (left !== undefined && left <= 0) {
        this.deleteBlob.run(id);
        this.deleteRef.run(id);
        freed++;
      }
    }
    return freed;
  }

  /** Gives free pages back to the file system, a few at a time (a file made before auto_vacuum was on keeps them for reuse). */
  vacuum(pages = 4096): number {
    const before = this.db.pragma('page_count', { simple: true }) as number;
    this.db.pragma(`incremental_vacuum(${pages})`);
    return before - (this.db.pragma('page_count', { simple: true }) as number);
  }
}

/**
 * How long a sweep rests after each batch, as a multiple of the time the batch took. Nothing
 * waits for a sweep, while requests share the machine's cores with it: resting as long as it
 * worked keeps a sweep of 100k traces from moving request p99 (bench/retention.ts), at the
 * price of taking twice as long.
 */
export const REST_PER_BATCH = 1;

/**
 * Runs batches until nothing is left to delete, pausing between them (`pause`, for the ms the
 * sweep should rest) so whatever else the thread does (storing new traces) goes on and the
 * sweep takes at most about half of its thread's time; then vacuums what was freed. A pause
 * that answers `false` ends the sweep there (a closing gateway), with what it did so far.
 */
export async function sweep(retention: Retention, req: SweepRequest, pause: (restMs: number) => Promise<boolean | void>): Promise<SweepResult> {
  const total = { traces: 0, blobs: 0, pages_freed: 0 };
  for (;;) {
    const started = performance.now();
    const r = retention.batch(req);
    total.traces += r.traces;
    total.blobs += r.blobs;
    if (r.traces > 0) {
      total.pages_freed += retention.vacuum();
      if ((await pause((performance.now() - started) * REST_PER_BATCH)) === false) return { ...total, bytes: retention.usedBytes() };
    }
    if (r.traces === 0) break;
  }
  total.pages_freed += retention.vacuum(1 << 30);
  return { ...total, bytes: retention.usedBytes() };
}
