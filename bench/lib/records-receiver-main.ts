/** The records-endpoint stand-in as its own process, for `bench/sync-drain.ts`. */
import { startReceiver } from '../../test/helpers/records-receiver.js';

const r = await startReceiver({ pat: process.argv[2] });
process.stdout.write(`listening ${r.url}\n`);
