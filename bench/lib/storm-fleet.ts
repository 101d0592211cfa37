/**
 * The reconnect storm's fleet in a process of its own (`bench/central-ingest.ts --storm`
 * forks it): the parent sends the enrolled devices and the central's URL over IPC, this
 * process runs test/helpers/fleet-storm.ts' `runStorm` against it and sends the result back.
 * The central's event loop then carries only the server's work, so its latency is the
 * server's and the devices' own HTTP client work is on their side of the wire.
 */
import { FLEET_STORM, runStorm, type StormDevice, type StormResult } from '../../test/helpers/fleet-storm.js';

export interface FleetJob {
  urls: string[];
  devices: StormDevice[];
  secondMs: number;
}

export type FleetAnswer = { ok: true; result: StormResult } | { ok: false; error: string };

process.once('message', (job: FleetJob) => {
  runStorm(job.urls, job.devices, { ...FLEET_STORM.options, secondMs: job.secondMs })
    .then((result): FleetAnswer => ({ ok: true, result }), (err: unknown): FleetAnswer => ({ ok: false, error: String(err) }))
    .then((answer) => process.send!(answer, () => process.exit(0)));
});
