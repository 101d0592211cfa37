import { parentPort, workerData } from 'node:worker_threads';
import { commitTraces } from './commit.js';
import { closeDatabase, openDatabase } from './db.js';
import type { Trace } from './schema.js';
import { Retention, sweep, type SweepRequest, type SweepResult } from './retention.js';
import { TraceStore } from './traces.js';

/** Messages the gateway thread sends: journaled trace lines, a drain request, or close. */
export type ToImporter = { lines: string[] } | { drain: number } | { sweep: SweepRequest; id: number } | { close: true };
/** What the importer answers: how many lines it stored (and which failed), or a drain done. */
export type FromImporter =
  | { imported: number; failed: { id: string; message: string }[] }
  | { drained: number }
  | { swept: number; result: SweepResult | null; error: string | null };

/**
 * Moves journaled traces into SQLite off the request thread, one transaction per message.
 * Messages arrive in order, so a `drain` answer means every line sent before it is stored.
 */
function run(port: NonNullable<typeof parentPort>, file: string): void {
  const db = openDatabase(file);
  const store = new TraceStore(db);
  const retention = new Retention(db);
  let closed = false;
  // Between two retention batches the thread takes the messages that arrived: new traces are stored meanwhile.
  const pause = () =>
    new Promise<void>((resolve, reject) => setImmediate(() => (closed ? reject(new Error('the store closed during a retention sweep')) : resolve())));
  port.on('message', (msg: ToImporter) => {
    if ('lines' in msg) {
      const failed: { id: string; message: string }[] = [];
      // A line that does not parse costs its own trace, never the thread: a dead importer loses every later batch.
      const traces: Trace[] = [];
      for (const line of msg.lines) {
        try {
          traces.push(JSON.parse(line) as Trace);
        } catch (err) {
          failed.push({ id: /^\{"id":"([^"]+)"/.exec(line)?.[1] ?? 'unknown', message: `journal line is not JSON: ${(err as Error).message}` });
        }
      }
      commitTraces(store, traces, (err, trace) => failed.push({ id: trace.id, message: (err as Error).message }));
      port.postMessage({ imported: msg.lines.length, failed } satisfies FromImporter);
    } else if ('sweep' in msg) {
      sweep(retention, msg.sweep, pause).then(
        (result) => port.postMessage({ swept: msg.id, result, error: null } satisfies FromImporter),
        (err: unknown) => !closed && port.postMessage({ swept: msg.id, result: null, error: (err as Error).message } satisfies FromImporter),
      );
    } else if ('drain' in msg) {
      port.postMessage({ drained: msg.drain } satisfies FromImporter);
    } else {
      closed = true;
      closeDatabase(db);
      port.close();
    }
  });
}

if (parentPort) run(parentPort, (workerData as { db: string }).db);
