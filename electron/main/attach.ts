import { homePaths } from '../../local-gateway/core/home.js';
import { probeHome, type HomeOwner, type ProbeOptions } from '../../local-gateway/core/home-lock.js';

export type { HomeOwner };

/**
 * Who runs the gateway of `home`, judged exactly as a second `gatehouse start` judges it (the
 * home lock, its holder's pid and `/healthz`): the app and a terminal's `gatehouse start` then
 * share one gateway instead of fighting over the port and the database.
 */
export function findHomeOwner(home: string, opts: ProbeOptions = {}): Promise<HomeOwner> {
  return probeHome(homePaths(home), opts);
}
