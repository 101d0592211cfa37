/**
 * A gateway in its own process for `bench/sync-drain.ts`: the demo provider, a fresh home,
 * and with `on` an enrolled device (argv[6]) whose outbox drains to the central gateway at argv[4].
 */
import { ConfigSchema } from '../../local-gateway/config/schema.js';
import { ensureHome } from '../../local-gateway/core/home.js';
import { buildGateway, listenLoopback } from '../../local-gateway/server/app.js';
import { createRecordsOutbox } from '../../sync/device/outbox-sender.js';

const [home, mode, central, pat, deviceId] = process.argv.slice(2) as [string, 'on' | 'off', string, string, string];
ensureHome(home);
const app = await buildGateway({
  config: ConfigSchema.parse({}),
  configFile: null,
  home,
  token: { value: 'bench-token', source: 'env', file: null },
  logging: false,
});
if (mode === 'on') {
  // What enrollment will do: set the device, and give the sender a link.
  const gw = app.gateway;
  gw.outbox.setDevice(deviceId);
  createRecordsOutbox({
    store: gw.traces,
    link: () => ({ url: central, deviceId, pat: async () => pat }),
    push: () => ({ push: ['usage', 'verdicts'], logging: 'full' }),
    flush: () => gw.writer.flush(),
    onStored: (l) => gw.writer.onStored(l),
  }).start();
}
const url = await listenLoopback(app, 0);
process.stdout.write(`listening ${url}\n`);
