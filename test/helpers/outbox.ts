import { closeDatabase, openDatabase } from '../../local-gateway/store/db.js';
import { makeTrace, tempDir } from '../../local-gateway/store/testing.js';
import type { Trace } from '../../local-gateway/store/schema.js';
import { TraceStore } from '../../local-gateway/store/traces.js';
import type { CentralLink } from '../../sync/device/contracts.js';
import { createRecordsOutbox, type RecordsOutboxOptions } from '../../sync/device/outbox-sender.js';
import type { PushPolicy } from '../../sync/device/records-batch.js';

export const TEST_PAT = 'ghp_test_pat_for_records_0123456789';
export const DEVICE_ID = 'dev-test-1';

/**
 * An enrolled device's store in a temp dir with `n` traces, and an outbox over it pointed at
 * `url`. Waits go to `sleeps` and return at once; the clock and randomness are fixed.
 */
export function deviceOutbox(cleanups: (() => void | Promise<void>)[], url: () => string, over: Partial<RecordsOutboxOptions> & { traces?: number; push?: () => PushPolicy } = {}) {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const db = openDatabase(t.file);
  cleanups.push(() => closeDatabase(db));
  const store = new TraceStore(db);
  store.outbox.setDevice(DEVICE_ID);
  const traces: Trace[] = [];
  const add = (n: number, extra: Partial<Trace> = {}) => {
    const batch = Array.from({ length: n }, () => makeTrace(extra));
    store.insertMany(batch);
    traces.push(...batch);
    return batch;
  };
  add(over.traces ?? 0);
  const sleeps: number[] = [];
  let now = Date.UTC(2026, 0, 1);
  const link: CentralLink = { url: url(), deviceId: DEVICE_ID, pat: async () => TEST_PAT };
  const outbox = createRecordsOutbox({
    store,
    link: () => ({ ...link, url: url() }),
    push: () => ({ push: ['usage', 'verdicts'], logging: 'full' }),
    clock: () => now,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    requestTimeoutMs: 2_000,
    ...over,
  });
  cleanups.push(() => outbox.close());
  return { dir: t.dir, file: t.file, db, store, outbox, traces, add, sleeps, advance: (ms: number) => (now += ms) };
}
