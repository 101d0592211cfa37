import { existsSync } from 'node:fs';
import { once } from 'node:events';
import Database from 'better-sqlite3';
import { GatehouseError } from '../core/errors.js';
import { homePaths } from '../core/home.js';
import { countWindow, EXPORT_FIELDS, exportLines, unknownField, type ExportFormat } from '../store/export.js';
import { parseSince } from '../store/query.js';
import type { Trace } from '../store/schema.js';
import { journaledTraces } from '../store/writer.js';
import { CommandError, parse, resolveHome, UsageError } from './args.js';

export const EXPORT_HELP = `Usage: gatehouse export --since TIME [--until TIME] [--format jsonl|csv] [--fields a,b,…]

Writes the stored traces that started in [since, until) to stdout, oldest first, one per line:
JSON lines (default) or CSV with a header. TIME is ISO 8601 (2026-10-01, 2026-10-01T09:00:00Z)
or Unix milliseconds; --until defaults to now. No bodies are exported.

Fields (default: all): ${EXPORT_FIELDS.join(', ')}, and metadata.<key> for one metadata value.
"fired" lists each non-allow verdict as tier:decision:rule.

Reads the store of this home directly, so it works with the gateway stopped, and the traces
its journal holds that are not yet in the store (a running gateway's last fraction of a second,
or what a stopped one left for its next start).
At a terminal, progress goes to stderr.

Example: gatehouse export --since 2026-07-01 --until 2026-10-01 --format csv \\
  --fields started_at,user,metadata.cost_center,resolved_model,cost_usd > q3.csv
`;

function time(value: string, flag: string): number {
  try {
    return parseSince(value, flag);
  } catch (err) {
    throw new UsageError(err instanceof GatehouseError ? `--${flag}: ${err.message}` : String(err));
  }
}

/** `gatehouse export`: streams a window of traces, for audits and spreadsheets. */
export async function exportTraces(argv: string[]): Promise<void> {
  const { values } = parse(argv, { since: { type: 'string' }, until: { type: 'string' }, format: { type: 'string', default: 'jsonl' }, fields: { type: 'string' } });
  if (values.since === undefined) throw new UsageError('gatehouse export needs --since TIME (ISO 8601 or Unix ms), e.g. --since 2026-10-01.');
  const format = values.format as ExportFormat;
  if (format !== 'jsonl' && format !== 'csv') throw new UsageError(`--format must be jsonl or csv, not "${values.format}".`);
  const fields = values.fields === undefined ? [...EXPORT_FIELDS] : values.fields.split(',').map((f) => f.trim()).filter(Boolean);
  const bad = unknownField(fields);
  if (bad !== null) throw new UsageError(`--fields: ${bad}.`);
  const window = { since: time(values.since, 'since'), until: values.until === undefined ? Date.now() + 1 : time(values.until, 'until') };
  if (window.until <= window.since) throw new UsageError('--until must be later than --since.');
  const paths = homePaths(resolveHome(values.home));
  const file = paths.db;
  if (!existsSync(file)) throw new CommandError(`No trace store at ${file}: start the gateway with this home first (gatehouse start).`);
  // Read before the store, so a trace the gateway imports meanwhile is found in one or the other.
  const journal = existsSync(paths.journal) ? journaledTraces(paths.journal) : [];
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    await stream(db, window, format, fields, journal);
  } finally {
    db.close();
  }
}

async function stream(db: Database.Database, window: { since: number; until: number }, format: ExportFormat, fields: string[], journal: Trace[]): Promise<void> {
  const progress = process.stderr.isTTY ? { total: countWindow(db, window, journal), done: 0 } : null;
  let chunk = '';
  // The CSV header is a line but not a trace.
  let traces = format === 'csv' ? -1 : 0;
  for (const line of exportLines(db, window, format, fields, journal)) {
    chunk += line;
    traces++;
    if (chunk.length < 65_536) continue;
    // Wait for stdout to drain: a slow pipe must not make the export hold the whole window in memory.
    if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
    chunk = '';
    if (progress !== null) process.stderr.write(`\rexported ${traces} of ${progress.total} traces`);
  }
  if (chunk) process.stdout.write(chunk);
  if (progress !== null) process.stderr.write(`\rexported ${progress.total} of ${progress.total} traces\n`);
}
