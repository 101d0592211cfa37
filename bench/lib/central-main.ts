/**
 * The reference central gateway as its own process for `bench/sync-drain.ts`, with two
 * devices enrolled (one per bench part). Prints `listening URL PAT DEVICE_A DEVICE_B ADMIN_TOKEN`.
 */
import { EnrollResponseSchema, PATHS } from '../../sync/protocol.js';
import { startCentral } from '../../test/helpers/central.js';

const central = await startCentral();
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
const [a, b] = [await enroll('bench-drain'), await enroll('bench-gateway')];
process.stdout.write(`listening ${central.url} ${pat} ${a} ${b} ${central.adminToken}\n`);
