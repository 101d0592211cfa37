import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { uuidv7 } from '../../local-gateway/core/ids.js';
import { VERSION } from '../../local-gateway/core/version.js';
import type { RecordsTransport } from '../device/contracts.js';
import { describe } from '../device/records-http.js';
import type { CentralStorage } from './storage.js';

/**
 * The usage of the requests a central replica serves on its own client APIs reaches the
 * central storage as a device's does, through the same outbox: the trace store writes a
 * record (UUIDv7 `record_id`, gapless `seq`) in each trace's own SQLite transaction on the
 * importer thread, and the journal in front of it holds every answered request across a
 * SIGKILL. The replica's drain hands its batches to its storage's `ingest` in process (no
 * HTTP, no PAT) under the replica's own device id, and deletes them once that transaction
 * committed; a crash in between resends them, and `record_id` dedupes.
 */

/** Kept in the replica's home: a restart on the same home drains its outbox as the same device. */
export const REPLICA_ID_FILE = 'replica-id';

/** How soon, by default, a served request's record is handed to the storage (the drain after new traces, and its timer). */
export const DEFAULT_OWN_DRAIN_MS = 1_000;

/** The home's replica id cannot be read: the start stops rather than come back as another device. */
export class ReplicaIdError extends Error {}

/** The replica's device id, made at its first start (`rep_<UUIDv7>`) and read back after. */
export function replicaId(home: string, clock: () => number = Date.now): string {
  const file = join(home, REPLICA_ID_FILE);
  if (existsSync(file)) {
    const id = readFileSync(file, 'utf8').trim();
    if (/^rep_[0-9a-f-]{36}$/.test(id)) return id;
    throw new ReplicaIdError(`${file} does not hold a replica id (rep_<uuid>): restore it, or remove it to start this home as a new replica (its waiting records then stay unsent)`);
  }
  const id = `rep_${uuidv7(clock())}`;
  // Written whole or not at all: a replica killed mid-write must not come back as another.
  writeFileSync(`${file}.tmp`, `${id}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return id;
}

/** Enrolls the replica as a device of its storage (every start; idempotent) and returns its id. */
export async function enrollReplica(storage: CentralStorage, home: string, clock: () => number): Promise<string> {
  const id = replicaId(home, clock);
  await storage.enrollReplica({ id, hostname: hostname() || 'unknown', gatehouseVersion: VERSION, enrolledAt: clock() });
  return id;
}

/**
 * The outbox's transport into the replica's own storage: each batch one `ingest` transaction
 * (ON CONFLICT DO NOTHING on record_id, rollups for the new rows only, the seq tracked). A
 * storage that fails (PostgreSQL down) is retried with the outbox's backoff; the records wait
 * on disk meanwhile.
 */
export function storageTransport(storage: CentralStorage, deviceId: string, clock: () => number): RecordsTransport {
  return {
    idle: 'the replica has no device id',
    open: () => ({
      deviceId,
      async send(batch) {
        try {
          return { ok: true, ack: await storage.ingest(deviceId, batch.records, batch.dropped, clock()) };
        } catch (err) {
          return { ok: false, retry: true, waitMs: null, error: `the central's storage did not take this replica's own records (${describe(err)}): they wait in its home and are retried` };
        }
      },
    }),
  };
}
