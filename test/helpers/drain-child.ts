/**
 * A device process for the SIGKILL test: opens the store at argv[2], drains its outbox to the
 * records endpoint at argv[3] (which never answers), and is killed by the test mid-send.
 */
import { openDatabase } from '../../local-gateway/store/db.js';
import { TraceStore } from '../../local-gateway/store/traces.js';
import { createRecordsOutbox } from '../../sync/device/outbox-sender.js';
import { DEVICE_ID, TEST_PAT } from './outbox.js';

const [file, url] = process.argv.slice(2) as [string, string];
const store = new TraceStore(openDatabase(file));
const outbox = createRecordsOutbox({
  store,
  link: () => ({ url, deviceId: DEVICE_ID, pat: async () => TEST_PAT }),
  push: () => ({ push: ['usage', 'verdicts'], logging: 'full' }),
  requestTimeoutMs: 600_000,
});
process.stdout.write('draining\n');
await outbox.drain();
