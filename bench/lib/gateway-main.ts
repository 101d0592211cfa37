/**
 * A gateway in its own process for `bench/sync-drain.ts`: the demo provider and a fresh home;
 * with `on`, a device enrolled with the central gateway at argv[4] (PAT argv[5], from the
 * environment as on a headless machine), so its own sync polls the policy and drains the
 * outbox in the background. Prints `listening URL DEVICE_ID` (`-` when not enrolled).
 */
import { ConfigSchema } from '../../local-gateway/config/schema.js';
import { ensureHome } from '../../local-gateway/core/home.js';
import { openKeychain } from '../../local-gateway/keychain/index.js';
import { buildGateway, listenLoopback } from '../../local-gateway/server/app.js';
import { enroll, PAT_ENV } from '../../sync/device/enrollment.js';

const [home, mode, central, pat] = process.argv.slice(2) as [string, 'on' | 'off', string, string];
const paths = ensureHome(home);
const env: NodeJS.ProcessEnv = { ...process.env, GATEHOUSE_KEYCHAIN: 'off', ...(mode === 'on' ? { [PAT_ENV]: pat } : {}) };
const device = mode === 'on' ? (await enroll({ paths, centralUrl: central, pat, patSource: 'env', keychain: openKeychain(env) })).device_id : '-';
const app = await buildGateway({
  config: ConfigSchema.parse({}),
  configFile: null,
  home,
  token: { value: 'bench-token', source: 'env', file: null },
  env,
  logging: false,
});
const url = await listenLoopback(app, 0);
process.stdout.write(`listening ${url} ${device}\n`);
