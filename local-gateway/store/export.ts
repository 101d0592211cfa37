import type { Database } from 'better-sqlite3';
import { csvField } from '../core/csv.js';
import { uuidv7LowerBound } from '../core/ids.js';
import { tracePreview } from './preview.js';
import type { Trace } from './schema.js';
import type { SummaryRow } from './traces.js';

/**
 * `gatehouse export`: the stored traces of a time window, one row each, as JSON lines or CSV,
 * read with a cursor so a year of traces streams in constant memory. No bodies: an audit asks
 * who called what, when, at what cost and what the policy said, and bodies stay on the device.
 */

/** Exportable fields, in their default order; `metadata.<key>` picks one metadata value. */
export const EXPORT_FIELDS = [
  'id', 'started_at', 'ended_at', 'duration_ms', 'user', 'team', 'agent', 'api', 'path', 'tier',
  'requested_model', 'resolved_model', 'provider', 'status', 'error_code', 'error_message', 'stream',
  'tokens_in', 'tokens_out', 'tokens_cached', 'tokens_reasoning', 'cost_usd', 'session', 'metadata', 'fired',
] as const;

export type ExportFormat = 'jsonl' | 'csv';

/** Checks `--fields`; returns the error sentence for an unknown one, or null. */
export function unknownField(fields: readonly string[]): string | null {
  const bad = fields.find((f) => !(EXPORT_FIELDS as readonly string[]).includes(f) && !/^metadata\.[^\s]+$/.test(f));
  return bad === undefined ? null : `unknown field "${bad}": use ${EXPORT_FIELDS.join(', ')} or metadata.<key>`;
}

/** The columns an export reads: a summary row less what an audit has no use for, with the session and the fired rules. */
type ExportRow = Omit<SummaryRow, 'phases' | 'method' | 'tool'> & { session: string | null; fired: string | null };

const SELECT = `SELECT t.id, t.started_at, t.ended_at, t.duration_ms, t.caller, t.api, t.path, t.tier, t.requested_model,
  t.resolved_model, t.provider, t.status, t.error_code, t.error_message, t.stream, t.tokens_in, t.tokens_out,
  t.tokens_cached, t.tokens_reasoning, t.cost_usd, t.session, t.metadata,
  (SELECT group_concat(v.tier || ':' || v.decision || ':' || v.rule, ' ') FROM verdicts v WHERE v.trace_id = t.id AND v.decision <> 'allow') AS fired
  FROM traces t WHERE t.id >= ? AND t.id < ? AND t.started_at >= ? AND t.started_at < ? ORDER BY t.id`;

type Value = string | number | boolean | null | Record<string, string>;

function valueOf(row: ExportRow, field: string): Value {
  if (field.startsWith('metadata.')) return (JSON.parse(row.metadata) as Record<string, string>)[field.slice('metadata.'.length)] ?? null;
  switch (field) {
    case 'started_at':
    case 'ended_at':
      return new Date(row[field]).toISOString();
    case 'user':
    case 'team':
    case 'agent':
      return (JSON.parse(row.caller) as Record<string, string | null>)[field] ?? null;
    case 'stream':
      return row.stream === 1;
    case 'metadata':
      return JSON.parse(row.metadata) as Record<string, string>;
    default:
      return row[field as keyof ExportRow] as Value;
  }
}

/** Objects (the metadata) go as their JSON text. */
function csvCell(v: Value): string {
  return csvField(v !== null && typeof v === 'object' ? JSON.stringify(v) : v);
}

export interface ExportWindow {
  since: number;
  until: number;
}

/** How many traces the window holds (those still in the journal included), for the progress line. */
export function countWindow(db: Database, w: ExportWindow, journal: readonly Trace[] = []): number {
  return pending(db, w, journal).length + (db.prepare('SELECT count(*) FROM traces WHERE id >= ? AND id < ? AND started_at >= ? AND started_at < ?').pluck().get(uuidv7LowerBound(w.since), uuidv7LowerBound(w.until), w.since, w.until) as number);
}

/** The journaled traces of the window the store does not hold yet, oldest first. */
function pending(db: Database, w: ExportWindow, journal: readonly Trace[]): ExportRow[] {
  const stored = db.prepare<[string], number>('SELECT 1 FROM traces WHERE id = ?').pluck();
  return journal
    .filter((t) => t.started_at >= w.since && t.started_at < w.until && stored.get(t.id) === undefined)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(journalRow);
}

/** A journaled trace as the export's query would read it from the store. */
function journalRow(t: Trace): ExportRow {
  // Journal lines written before these fields existed have none, as the store's insert allows.
  const fired = (t.verdicts ?? []).filter((v) => v.decision !== 'allow').map((v) => `${v.tier}:${v.decision}:${v.rule}`);
  return {
    id: t.id, started_at: t.started_at, ended_at: t.ended_at, duration_ms: t.duration_ms, caller: JSON.stringify(t.caller), api: t.api, path: t.path,
    tier: t.tier, requested_model: t.requested_model, resolved_model: t.resolved_model, provider: t.provider, status: t.status,
    error_code: t.error_code, error_message: t.error_message, stream: t.stream ? 1 : 0, tokens_in: t.tokens_in, tokens_out: t.tokens_out,
    tokens_cached: t.tokens_cached, tokens_reasoning: t.tokens_reasoning ?? null, cost_usd: t.cost_usd ?? null,
    session: tracePreview(t).session, metadata: JSON.stringify(t.metadata), fired: fired.length === 0 ? null : fired.join(' '),
  };
}

/** Store rows and journaled ones, merged by id. */
function* merged(rows: Iterable<ExportRow>, journaled: ExportRow[]): Generator<ExportRow> {
  let j = 0;
  for (const row of rows) {
    while (j < journaled.length && journaled[j]!.id < row.id) yield journaled[j++]!;
    yield row;
  }
  while (j < journaled.length) yield journaled[j++]!;
}

/**
 * The export's lines (a CSV header first), oldest trace first. `journal`: what the gateway's
 * journal holds (store/writer.ts `journaledTraces`), read before this is called: a running
 * gateway imports it within a second, and the traces it has not imported yet are exported from
 * there. One read transaction, so a trace the gateway imports meanwhile is not exported twice.
 */
export function* exportLines(db: Database, w: ExportWindow, format: ExportFormat, fields: readonly string[], journal: readonly Trace[] = []): Generator<string> {
  if (format === 'csv') yield `${fields.map((f) => csvCell(f)).join(',')}\r\n`;
  db.exec('BEGIN');
  try {
    const journaled = pending(db, w, journal);
    const rows = db.prepare(SELECT).iterate(uuidv7LowerBound(w.since), uuidv7LowerBound(w.until), w.since, w.until) as IterableIterator<ExportRow>;
    for (const row of merged(rows, journaled)) {
      if (format === 'csv') yield `${fields.map((f) => csvCell(valueOf(row, f))).join(',')}\r\n`;
      else yield `${JSON.stringify(Object.fromEntries(fields.map((f) => [f, valueOf(row, f)])))}\n`;
    }
  } finally {
    db.exec('COMMIT');
  }
}
