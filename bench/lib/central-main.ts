/**
 * The reference central gateway as its own process for `bench/sync-drain.ts`, with a device
 * enrolled for the drain and a first bundle published (devices poll it every
 * `POLL_INTERVAL_S`). Prints `listening URL PAT DEVICE ADMIN_TOKEN`.
 */
import { EnrollResponseSchema, PATHS } from '../../sync/protocol.js';
import { startCentral } from '../../test/helpers/central.js';
import { benchBundle } from './sync-bundle.js';

const central = await startCentral({ org: 'bench' });
await central.publish(benchBundle('first'));
const { pat } = await central.createPat('bench', 'bench-team');
async function enroll(hostname: string): Promise<string> {
  const res = await fetch(central.url + PATHS.enroll, {
    method: 'POST',
    headers: { authorization: `Bearer ${pat}`, 'content-type': 'application/json' },
    body: JSON.stringify({ hostname, platform: process.platform, gatehouse_version: 'bench' }),
  });
  if (!res.ok) throw new Error(`enroll answered ${res.status}: ${await res.text()}`);
  return EnrollResponseSchema.parse(await res.json()).device_id;
}
const device = await enroll('bench-drain');
process.stdout.write(`listening ${central.url} ${pat} ${device} ${central.adminToken}\n`);
