import type { SyncRecord } from '../protocol.js';
import type { PatRow } from './storage.js';

/**
 * Whose usage a device's records are: always the user and team of the PAT the batch came
 * with (the device's owner; a device is enrolled under one PAT and ingest checks it is that
 * PAT's), never what the record says. A device can write anything into its records, so a
 * record naming another user or team would otherwise count in their usage, rollups and
 * budgets. A record that already names the PAT's user and team (what a device with a central
 * identity writes) is kept as sent; one that names others (an edited outbox, or records made
 * under the OS user before the device enrolled) is stored under the PAT's user and team
 * instead, body included, so its columns, its rollups and the records view all agree. Not for
 * a replica's own records: those are ingested in process, each under the user whose PAT the
 * replica served.
 */
export function attributeToPat(records: readonly SyncRecord[], pat: Pick<PatRow, 'user' | 'team'>): { records: SyncRecord[]; reattributed: number } {
  let reattributed = 0;
  const out = records.map((r) => {
    if (r.user === pat.user && r.team === pat.team) return r;
    reattributed++;
    return { ...r, user: pat.user, team: pat.team };
  });
  return { records: out, reattributed };
}
