import { z } from 'zod';
import type { RecordsAck, RecordsBatch } from '../protocol.js';

/**
 * What the device side of sync is made of, and what each part owes the others: enrollment
 * (who the device is and where its central gateway is), the policy puller, and the records
 * outbox. The gateway wires them in `local-gateway/server/services.ts`; `POST /api/sync`,
 * `gatehouse sync now` and the poller run one cycle through `DeviceSync.runOnce`.
 */

/** Where the device sends to and as whom; null while the device is not enrolled. */
export interface CentralLink {
  url: string;
  deviceId: string;
  /** Read from the OS keychain (or env) when needed; never stored elsewhere. */
  pat(): Promise<string>;
}

/** What one attempt at delivering a batch came to: acknowledged, or why not (retried or left for the next drain). */
export type SendOutcome = { ok: true; ack: RecordsAck } | { ok: false; retry: boolean; waitMs: number | null; error: string; status?: number };

/**
 * Where the outbox delivers its batches: a device POSTs them to its central gateway
 * (records-http.ts); a central replica hands its own to its storage's ingest in process
 * (sync/central/own-records.ts). The drain, the batches, the retries and the acknowledgement
 * by deletion are the same for both.
 */
export interface RecordsTransport {
  /** Where this drain delivers and as which device, read at its start; null while there is nowhere (not enrolled). */
  open(): RecordsDelivery | null;
  /** Why nothing is delivered while `open` answers null. */
  idle: string;
}

export interface RecordsDelivery {
  deviceId: string;
  /** One attempt at one batch; never throws. `closing` aborts when the outbox closes. */
  send(batch: RecordsBatch, closing: AbortSignal): Promise<SendOutcome>;
}

/** What one drain of the outbox did. */
export const DrainResultSchema = z.object({
  sent: z.number().int(),
  batches: z.number().int(),
  /** Records still waiting in the outbox after this drain. */
  remaining: z.number().int(),
  /** Why the drain stopped before the outbox was empty; null when it emptied it. */
  error: z.string().nullable(),
  /** When the central gateway asked to wait (`Retry-After`) or the backoff says, the next attempt. */
  next_attempt_at: z.string().nullable(),
});
export type DrainResult = z.infer<typeof DrainResultSchema>;

/** The outbox as `gatehouse status`, `GET /api/status` and the dashboard show it. */
export const OutboxStatusSchema = z.object({
  /** Records waiting to be sent. */
  depth: z.number().int(),
  /** Start time (Unix ms) of the oldest waiting record; null when empty. */
  oldest_at: z.number().int().nullable(),
  /** The budget: at most this many waiting records. */
  max_records: z.number().int(),
  /** What happens past the budget. */
  overflow: z.enum(['drop_oldest', 'drop_newest']),
  /** Records dropped by the overflow policy, ever, on this device. */
  dropped: z.number().int(),
  /** The last seq assigned (0 before the first record). */
  last_seq: z.number().int(),
  last_sent_at: z.string().nullable(),
  last_error: z.string().nullable(),
});
export type OutboxStatus = z.infer<typeof OutboxStatusSchema>;

/** The records half of sync (store/outbox.ts and sync/device/outbox-sender.ts). */
export interface RecordsOutbox {
  /**
   * Starts (device id) or stops (null) writing one outbox record per stored trace. Returns how
   * many records still waiting for another device id it discarded: they can be sent as no one.
   */
  setDevice(deviceId: string | null): number;
  status(): OutboxStatus;
  /** Sends waiting batches until the outbox is empty or a send fails; never throws. */
  drain(): Promise<DrainResult>;
  /** Starts background draining (after each new trace batch and on a timer); stopped by close. */
  start(): void;
  close(): Promise<void>;
}

/** What one sync cycle did, as `POST /api/sync` and `gatehouse sync now --json` return it. */
export const SyncCycleResultSchema = z.object({
  enrolled: z.boolean(),
  policy: z.object({
    /** `applied`: a new version is in force; `unchanged`: 304 or same version; `rejected`: refused, the last good one stays; `error`: could not fetch. */
    outcome: z.enum(['applied', 'unchanged', 'rejected', 'error', 'skipped']),
    version: z.number().int().nullable(),
    error: z.string().nullable(),
  }),
  records: DrainResultSchema,
  at: z.string(),
});
export type SyncCycleResult = z.infer<typeof SyncCycleResultSchema>;
