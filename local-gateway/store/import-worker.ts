import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { nameThread, runAsBackground } from '../core/thread-priority.js';
import { commitTraces } from './commit.js';
import { closeDatabase, openDatabase } from './db.js';
import type { Trace } from './schema.js';
import { Retention, sweep, type SweepRequest, type SweepResult } from './retention.js';
import { TraceStore } from './traces.js';

/**
 * Messages the gateway thread sends: where in the journal the next `lines` trace lines are
 * (bytes `from` to `to`), a drain request, a sweep, the end of a sweep under way (at its next
 * pause), or close.
 */
export type ToImporter = { from: number; to: number; lines: number } | { drain: number } | { sweep: SweepRequest; id: number } | { stopSweep: true } | { close: true };
/** What the importer answers: how many lines it stored (and which failed), or a drain done. */
export type FromImporter =
  | { imported: number; failed: { id: string; message: string }[] }
  | { drained: number }
  | { swept: number; result: SweepResult | null; error: string | null };

/**
 * Moves journaled traces into SQLite off the request thread, one transaction per message.
 * Messages arrive in order, so a `drain` answer means every line sent before it is stored.
 */
function run(port: NonNullable<typeof parentPort>, file: string, journal: string): void {
  // Every trace is durable in the journal before its answer ends and readers flush first, so
  // indexing can wait for an idle core: under load the request thread comes first.
  runAsBackground();
  nameThread('trace-import');
  const db = openDatabase(file);
  const fd = openSync(journal, 'r');
  const store = new TraceStore(db);
  const retention = new Retention(db);
  let closed = false;
  let stopping = false;
  // Between two retention batches the thread rests and takes the messages that arrived: new traces are stored meanwhile.
  const pause = (restMs: number) =>
    new Promise<boolean>((resolve, reject) => setTimeout(() => (closed ? reject(new Error('the store closed during a retention sweep')) : resolve(!stopping)), restMs));
  port.on('message', (msg: ToImporter) => {
    if ('lines' in msg) {
      const failed: { id: string; message: string }[] = [];
      // A line that does not parse costs its own trace, never the thread: a dead importer loses every later batch.
      const traces: Trace[] = [];
      for (const line of readLines(fd, msg.from, msg.to)) {
        try {
          traces.push(JSON.parse(line) as Trace);
        } catch (err) {
          failed.push({ id: /^\{"id":"([^"]+)"/.exec(line)?.[1] ?? 'unknown', message: `journal line is not JSON: ${(err as Error).message}` });
        }
      }
      commitTraces(store, traces, (err, trace) => failed.push({ id: trace.id, message: (err as Error).message }));
      port.postMessage({ imported: msg.lines, failed } satisfies FromImporter);
    } else if ('stopSweep' in msg) {
      stopping = true;
    } else if ('sweep' in msg) {
      stopping = false;
      sweep(retention, msg.sweep, pause).then(
        (result) => port.postMessage({ swept: msg.id, result, error: null } satisfies FromImporter),
        (err: unknown) => !closed && port.postMessage({ swept: msg.id, result: null, error: (err as Error).message } satisfies FromImporter),
      );
    } else if ('drain' in msg) {
      port.postMessage({ drained: msg.drain } satisfies FromImporter);
    } else {
      closed = true;
      closeSync(fd);
      closeDatabase(db);
      port.close();
    }
  });
}

/** The journal lines between two byte offsets: whole lines, each ending in a line break. */
function readLines(fd: number, from: number, to: number): string[] {
  const buf = Buffer.allocUnsafe(to - from);
  for (let got = 0; got < buf.length; ) {
    const n = readSync(fd, buf, got, buf.length - got, from + got);
    if (n === 0) throw new Error(`the trace journal ended at byte ${from + got}, before ${to}`);
    got += n;
  }
  const lines = buf.toString('utf8').split('\n');
  // The range ends with a line break, so the last piece is empty; one that is not is reported as a line that does not parse.
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

if (parentPort) {
  const data = workerData as { db: string; journal: string };
  run(parentPort, data.db, data.journal);
}
