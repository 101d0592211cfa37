import type { Logger } from '../../local-gateway/core/log.js';
import type { FleetView } from '../protocol.js';
import type { IngestGate } from './ingest-gate.js';
import type { Signer } from './keys.js';
import type { PolicyBook } from './policies.js';
import type { CentralStorage, FleetRow } from './storage.js';

/** What the central's routes reach through `app.central`: one set per central, never module state. */
export interface CentralServices {
  storage: CentralStorage;
  signer: Signer;
  policies: PolicyBook;
  clock: () => number;
  /** The poll interval devices are expected to keep; 3 of them without a poll make a device STALE. */
  pollIntervalMs: number;
  /** How long a rotated-out key stays valid. */
  keyOverlapMs: number;
  /** Records batches this replica takes at once; more are answered 429 with Retry-After. */
  ingest: IngestGate;
  log: Logger;
  /** The org the central answers for: given at start, else the latest published bundle's. */
  org(): string;
  /** What it stores in, safe to print: `sqlite <file>` or the PostgreSQL URL without its password. */
  storageDisplay: string;
  /** This replica's device id in the storage: the records of the requests it serves go in under it (own-records.ts). */
  replicaId: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    central: CentralServices;
  }
}

/** Polls missed before a device counts as STALE. */
export const STALE_AFTER_POLLS = 3;

/**
 * A device's state in the fleet view, against the latest published version:
 * NEVER — enrolled but never reported a status;
 * REJECTED — its last report was a NACK, whatever version it refused (a tampered latest, an
 *   older bundle replayed, an expired one, its own cache edited on disk): the error says why,
 *   and it stays REJECTED until the device next ACKs. A replayed old version is an attack on
 *   that device, so it must not pass for a device that is merely behind;
 * STALE — it applied an older version, or has not polled for more than 3 poll intervals;
 * SYNCED — it applied the latest version and polled recently.
 */
export function deviceState(d: FleetRow, latest: number | null, now: number, pollIntervalMs: number): FleetView['devices'][number]['state'] {
  if (d.lastReportAt === null) return 'NEVER';
  if (d.lastReportRejected) return 'REJECTED';
  const silent = d.lastSeen === null || now - d.lastSeen > STALE_AFTER_POLLS * pollIntervalMs;
  if (silent) return 'STALE';
  return latest === null || d.appliedVersion === latest ? 'SYNCED' : 'STALE';
}
