import { closeSync, fstatSync, ftruncateSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { z } from 'zod';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../core/worker.js';
import { commitTraces, type BatchSink } from './commit.js';
import type { FromImporter, ToImporter } from './import-worker.js';
import type { SweepRequest, SweepResult } from './retention.js';
import type { Trace, TraceRecord } from './schema.js';

/**
 * Longest a written trace waits before it is handed to the importer. The trace is durable in
 * the journal already and readers flush first, so the wait only sizes the batches: every
 * hand-over wakes the importer for an SQLite transaction (~17 WAL writes), CPU taken from the
 * request thread, the load generator and the provider on a 2-core machine. At 2 ms a
 * sequential client made nearly one transaction per request.
 */
const HAND_OVER_MS = 100;
/** A batch this large is handed over at once rather than after the delay. */
const BATCH = 256;
/**
 * The importer's young generation, in MB (V8's default grows to 48 under load). Run at a
 * lower priority, the importer works through batches back to back when a core frees up, and
 * its young generation grew to the largest size: the gateway's RSS peak under load rose by
 * 30–60 MB. A batch's garbage fits in far less.
 */
const IMPORTER_YOUNG_GENERATION_MB = 6;

/**
 * Durable trace writes at the cost of one `write(2)` on the request thread. A trace is
 * appended to a journal file (one JSON line) before its response is finished, so a response
 * the client has fully received is on disk even if the gateway is killed right after.
 * Journaled traces are then handed, in batches, to a worker thread that indexes them into
 * SQLite, one transaction per batch: an SQLite commit writes a dozen WAL frames, two syscalls
 * each, and encoding bodies costs CPU, neither of which the request thread (the one every
 * agent call waits on) spends any more. Whatever a killed gateway left in the journal is
 * imported on the next start. Readers `await flush()` first, so they see every trace so far.
 */
export class TraceWriter {
  private readonly fd: number;
  /** Journal lines written and not yet handed over, and where they start in the file. */
  private pending = 0;
  private pendingFrom = 0;
  /** The journal's length in bytes: where the next line goes. */
  private size = 0;
  private timer: NodeJS.Timeout | null = null;
  private worker: Worker | null = null;
  /** After the importer thread failed, traces are stored on this thread. */
  private inline = false;
  private handed = 0;
  private imported = 0;
  private readonly drains = new Map<number, () => void>();
  private nextDrain = 0;
  private readonly stored: (() => void)[] = [];
  private readonly sweeps = new Map<number, { resolve: (r: SweepResult) => void; reject: (e: Error) => void }>();
  private nextSweep = 0;

  constructor(
    private readonly sink: BatchSink,
    private readonly journal: string,
    private readonly dbFile: string,
    private readonly onError: (err: unknown, traceId: string | null) => void,
  ) {
    this.fd = openSync(journal, 'a+', 0o600);
    this.size = fstatSync(this.fd).size;
    this.pendingFrom = this.size;
  }

  /** Empties the journal: everything in it is stored. */
  private truncate(): void {
    ftruncateSync(this.fd, 0);
    this.size = 0;
    this.pendingFrom = 0;
  }

  /**
   * Stores, on this thread, what the journal holds (skipping traces already stored, and a last
   * line cut short by a crash) and empties it. Any other line that cannot be read is not
   * dropped: the whole journal is first copied aside to `<journal>.damaged-<time>` and the
   * error reported. Returns how many traces were recovered.
   */
  recover(): number {
    const traces: Trace[] = [];
    const text = readFileSync(this.journal, 'utf8');
    const lines = text.split('\n');
    let damaged = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (!line) continue;
      const trace = readJournalLine(line);
      // A last line without its line break was cut short by a crash mid-write: its response never completed either.
      if (trace === null) {
        if (i !== lines.length - 1) damaged++;
        continue;
      }
      if (!this.sink.has(trace.id)) traces.push(trace);
    }
    if (damaged > 0) this.setAside(text, damaged);
    if (traces.length > 0) commitTraces(this.sink, traces, (err, t) => this.onError(err, t.id));
    this.pending = 0;
    this.truncate();
    if (traces.length > 0) this.notifyStored();
    return traces.length;
  }

  /** Keeps a journal with unreadable lines beside the store, for a person to look at, before it is emptied. */
  private setAside(text: string, damaged: number): void {
    const aside = `${this.journal}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      writeFileSync(aside, text, { mode: 0o600, flag: 'wx' });
      this.onError(new Error(`${damaged} line(s) of the trace journal could not be read; the journal was kept as ${aside}`), null);
    } catch (err) {
      this.onError(new Error(`${damaged} line(s) of the trace journal could not be read, and the journal could not be kept aside: ${(err as Error).message}`), null);
    }
  }

  /** Calls `listener` after each batch of traces is stored (the sync outbox drains soon after). */
  onStored(listener: () => void): void {
    this.stored.push(listener);
  }

  private notifyStored(): void {
    for (const listener of this.stored) listener();
  }

  /** Whether the importer thread has been started (with the first batch or sweep). */
  get importerStarted(): boolean {
    return this.worker !== null;
  }

  /** True once the importer thread died and traces are stored on the request thread. */
  get storesInline(): boolean {
    return this.inline;
  }

  /** Makes the trace durable now; it is indexed into SQLite within milliseconds, later while the machine's cores are all busy (the importer runs at a lower priority). */
  write(record: TraceRecord): void {
    try {
      this.size += writeSync(this.fd, `${journalLine(record)}\n`);
    } catch (err) {
      this.afterFailedWrite();
      throw err;
    }
    this.pending++;
    if (this.pending >= BATCH) this.handOver();
    else if (this.timer === null) {
      this.timer = setTimeout(() => this.handOver(), HAND_OVER_MS);
      // A stopping process must not wait for it: close() hands over, a killed one recovers.
      this.timer.unref();
    }
  }

  /**
   * A write that failed part-way (a full disk) may have left part of a line: the journal's
   * length is read again so later byte ranges stay on line boundaries, and the part is ended
   * with a line break when that can be written, so the next trace starts a line of its own.
   */
  private afterFailedWrite(): void {
    const size = fstatSync(this.fd).size;
    if (size === this.size) return;
    try {
      this.size = size + writeSync(this.fd, '\n');
    } catch {
      this.size = size;
    }
  }

  /** Resolves once every trace written so far is in the SQLite store. */
  flush(): Promise<void> {
    this.handOver();
    if (this.worker === null || this.handed === this.imported) return Promise.resolve();
    const id = this.nextDrain++;
    return new Promise((resolve) => {
      this.drains.set(id, resolve);
      this.worker!.postMessage({ drain: id } satisfies ToImporter);
    });
  }

  /**
   * Runs a retention sweep on the importer thread, between its imports, so the request thread
   * never waits on it. Without an importer (it failed) the sweep runs here, via `inlineSweep`.
   */
  sweep(req: SweepRequest, inlineSweep: (req: SweepRequest) => Promise<SweepResult>): Promise<SweepResult> {
    // What is journaled goes first, so the sweep sees the store as every reader would.
    this.handOver();
    if (this.inline) return inlineSweep(req);
    const id = this.nextSweep++;
    return new Promise((resolve, reject) => {
      this.sweeps.set(id, { resolve, reject });
      const importer = this.importer();
      // Its answer is awaited: held by nothing else (a gateway closing), the process would end first.
      importer.ref();
      importer.postMessage({ sweep: req, id } satisfies ToImporter);
    });
  }

  /** Ends a sweep under way after its current batch; it resolves with what it deleted so far. */
  stopSweeps(): void {
    if (this.worker !== null && this.sweeps.size > 0) this.worker.postMessage({ stopSweep: true } satisfies ToImporter);
  }

  async close(): Promise<void> {
    this.handOver();
    const worker = this.worker;
    if (worker !== null) {
      // Cleared first, so its exit is not taken for a failure.
      this.worker = null;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      // Unref'd while the gateway runs; a stopping gateway must wait for it, or the process
      // ends with the last batches still in the journal instead of the store.
      worker.ref();
      worker.postMessage({ close: true } satisfies ToImporter);
      await exited;
      for (const s of this.sweeps.values()) s.reject(new Error('the gateway stopped during a retention sweep'));
      this.sweeps.clear();
    }
    // Whatever the importer had not stored is still in the journal.
    this.recover();
    closeSync(this.fd);
  }

  private handOver(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending === 0) return;
    if (this.inline) {
      this.recover();
      return;
    }
    // Only where the lines are: the importer reads them from the journal itself, so the request
    // thread neither copies them into a message nor keeps them in memory until then.
    const lines = this.pending;
    this.importer().postMessage({ from: this.pendingFrom, to: this.size, lines } satisfies ToImporter);
    this.handed += lines;
    this.pending = 0;
    this.pendingFrom = this.size;
  }

  /** The importer thread, started with the first batch: an idle gateway does not carry it. */
  private importer(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = startWorker(import.meta.url, 'import-worker', { db: this.dbFile, journal: this.journal }, { maxYoungGenerationSizeMb: IMPORTER_YOUNG_GENERATION_MB });
    worker.on('message', (msg: FromImporter) => this.onMessage(msg));
    worker.on('error', (err) => this.importerFailed(err));
    // An exit that close() did not ask for would leave readers waiting on a drain forever.
    worker.on('exit', (code) => {
      if (this.worker === worker) this.importerFailed(new Error(`the trace importer thread exited (code ${code})`));
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private onMessage(msg: FromImporter): void {
    if ('swept' in msg) {
      const waiting = this.sweeps.get(msg.swept);
      this.sweeps.delete(msg.swept);
      if (this.sweeps.size === 0) this.worker?.unref();
      if (msg.result !== null) waiting?.resolve(msg.result);
      else waiting?.reject(new Error(msg.error ?? 'the retention sweep failed'));
      return;
    }
    if ('drained' in msg) {
      this.drains.get(msg.drained)?.();
      this.drains.delete(msg.drained);
      return;
    }
    this.imported += msg.imported;
    for (const f of msg.failed) this.onError(new Error(f.message), f.id);
    if (msg.imported > msg.failed.length) this.notifyStored();
    // Everything written was handed over and stored: the journal holds nothing else. Writes
    // and this handler share one thread, so nothing is appended in between.
    if (this.imported === this.handed && this.pending === 0) this.truncate();
  }

  /** The importer died: store on this thread from now on, starting with what it left. */
  private importerFailed(err: unknown): void {
    if (this.inline) return;
    this.onError(err, null);
    this.inline = true;
    this.worker = null;
    this.recover();
    for (const resolve of this.drains.values()) resolve();
    this.drains.clear();
    for (const s of this.sweeps.values()) s.reject(new Error('the trace importer thread stopped during a retention sweep'));
    this.sweeps.clear();
  }
}

/**
 * What a journal line must hold to be stored: a JSON object with the trace's id. The rest is
 * the trace as this gateway wrote it; lines of older versions lack newer fields, which the
 * store fills in, so the full trace schema would refuse traces the store can keep.
 */
const JournalLineSchema = z.looseObject({ id: z.string().min(1), started_at: z.number() });

/**
 * The traces a journal file holds, in the order written, skipping lines that are not traces:
 * for a reader that must not wait for the gateway to import them (`gatehouse export`).
 */
export function journaledTraces(journal: string): Trace[] {
  const traces: Trace[] = [];
  for (const line of readFileSync(journal, 'utf8').split('\n')) {
    const trace = line ? readJournalLine(line) : null;
    if (trace !== null) traces.push(trace);
  }
  return traces;
}

/** A journal line as a trace, or null when it is not one (not JSON, or no id). */
function readJournalLine(line: string): Trace | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  // The store's insert reads every other field, and defaults the ones older lines lack.
  return JournalLineSchema.safeParse(value).success ? (value as Trace) : null;
}

/**
 * One journal line: the trace as JSON with its bodies spliced in as the JSON text they arrived
 * as. A raw line break in valid JSON text can only be whitespace between tokens (inside strings
 * it is escaped), so it becomes a space and the line stays one line.
 */
export function journalLine(record: TraceRecord): string {
  const head = record.headJson ?? JSON.stringify(record.head);
  return `${head.slice(0, -1)},"request_body":${oneLine(record.request)},"response_body":${oneLine(record.response)}}`;
}

function oneLine(json: string): string {
  return json.includes('\n') || json.includes('\r') ? json.replace(/[\r\n]+/g, ' ') : json;
}
