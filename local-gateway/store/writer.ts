import type { Trace } from './schema.js';

/** What the writer needs of a store: the batch insert and the single one to isolate a bad trace. */
export interface BatchSink {
  insert(trace: Trace): void;
  insertMany(traces: readonly Trace[]): void;
}

interface Pending {
  trace: Trace;
  done: () => void;
}

/**
 * Group commit for traces. Traces handed in during one turn of the event loop are committed
 * together in one transaction, and each caller's promise resolves only after that commit, so
 * a response is still never finished before its trace is on disk. Under load this turns
 * sixteen WAL commits into one; a lone request waits only for the next `setImmediate`.
 */
export class TraceWriter {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly sink: BatchSink,
    private readonly onError: (err: unknown, trace: Trace) => void,
  ) {}

  /** Resolves once the trace is committed, or once storing it has failed and been reported. */
  write(trace: Trace): Promise<void> {
    return new Promise((done) => {
      this.queue.push({ trace, done });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued now; also used on shutdown. */
  flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    if (batch.length === 0) return;
    try {
      this.sink.insertMany(batch.map((p) => p.trace));
    } catch {
      // One bad trace must not cost the others: retry one by one and report only the failures.
      for (const p of batch) {
        try {
          this.sink.insert(p.trace);
        } catch (err) {
          this.onError(err, p.trace);
        }
      }
    }
    for (const p of batch) p.done();
  }
}
