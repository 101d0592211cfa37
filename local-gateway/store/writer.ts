import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { commitTraces, type BatchSink } from './commit.js';
import type { Trace } from './schema.js';

export type { BatchSink };

/** Longest a written trace waits before it is moved into SQLite. */
const IMPORT_DELAY_MS = 2;
/** A batch this large is moved at once rather than after the delay. */
const IMPORT_BATCH = 256;

/**
 * Durable trace writes at the cost of one `write(2)` on the request path. A trace is appended
 * to a journal file (one JSON line) before its response is finished, so a response the client
 * has fully received is on disk even if the gateway is killed right after. Journaled traces
 * are moved into the indexed SQLite store a moment later, one transaction per batch: an
 * SQLite commit writes a dozen WAL frames, two syscalls each, which no request waits for
 * any more, and a batch shares its index pages. Whatever a killed gateway left in the
 * journal is imported on the next start. Readers call `flush()` first, so they see every
 * trace written so far.
 */
export class TraceWriter {
  private readonly fd: number;
  private pending: Trace[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sink: BatchSink,
    private readonly journal: string,
    private readonly onError: (err: unknown, trace: Trace) => void,
  ) {
    this.fd = openSync(journal, 'a+', 0o600);
  }

  /**
   * Imports what a previous run left in the journal (skipping traces already stored, and a
   * last line cut short by a crash) and empties it. Returns how many traces were recovered.
   */
  recover(): number {
    const traces: Trace[] = [];
    for (const line of readFileSync(this.journal, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const trace = JSON.parse(line) as Trace;
        if (!this.sink.has(trace.id)) traces.push(trace);
      } catch {
        // A line cut short by a crash mid-write: its response never completed either.
      }
    }
    if (traces.length > 0) commitTraces(this.sink, traces, this.onError);
    ftruncateSync(this.fd, 0);
    return traces.length;
  }

  /** Makes the trace durable now; it reaches the SQLite store within a few milliseconds. */
  write(trace: Trace): void {
    writeSync(this.fd, `${JSON.stringify(trace)}\n`);
    this.pending.push(trace);
    if (this.pending.length >= IMPORT_BATCH) this.schedule(0);
    else if (this.timer === null) this.schedule(IMPORT_DELAY_MS);
  }

  /** Moves every written trace into SQLite and empties the journal. */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    commitTraces(this.sink, batch, this.onError);
    // Writes and flushes share this thread: everything the journal holds is now stored.
    ftruncateSync(this.fd, 0);
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private schedule(ms: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), ms);
    // A pending import must not keep a stopping process alive: close() flushes, and a killed
    // process leaves the journal for the next start.
    this.timer.unref();
  }
}
