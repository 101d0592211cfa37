import type { Trace } from './schema.js';

/** What committing traces needs of the store. */
export interface BatchSink {
  insert(trace: Trace): void;
  insertMany(traces: readonly Trace[]): void;
  has(id: string): boolean;
}

/** Stores traces in one transaction; if that fails, one by one, reporting only the failures. */
export function commitTraces(sink: BatchSink, traces: readonly Trace[], onError: (err: unknown, trace: Trace) => void): void {
  try {
    if (traces.length === 1) sink.insert(traces[0]!);
    else sink.insertMany(traces);
    return;
  } catch (err) {
    if (traces.length === 1) {
      onError(err, traces[0]!);
      return;
    }
  }
  // One bad trace must not cost the others.
  for (const t of traces) {
    try {
      sink.insert(t);
    } catch (err) {
      onError(err, t);
    }
  }
}
