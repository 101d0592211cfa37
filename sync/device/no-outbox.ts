import type { RecordsOutbox } from './contracts.js';

/**
 * A records outbox that holds nothing and sends nothing: the device side of policy sync runs
 * with it until the durable SQLite outbox (store/outbox.ts, sync/device/outbox-sender.ts) is
 * wired in its place.
 */
export function noRecordsOutbox(): RecordsOutbox {
  return {
    setDevice: () => {},
    status: () => ({ depth: 0, oldest_at: null, max_records: 0, overflow: 'drop_oldest', dropped: 0, last_seq: 0, last_sent_at: null, last_error: null }),
    drain: async () => ({ sent: 0, batches: 0, remaining: 0, error: null, next_attempt_at: null }),
    start: () => {},
    close: async () => {},
  };
}
