import { existsSync } from 'node:fs';
import { homePaths } from '../core/home.js';
import { createPriceBook } from '../policy/engine/prices.js';
import { defaultReplayTiers, formatReplay, replayStore } from '../policy/replay.js';
import { closeDatabase, openDatabase } from '../store/db.js';
import type { Trace } from '../store/schema.js';
import { TraceStore } from '../store/traces.js';
import { CommandError, parse, UsageError } from './args.js';
import { cliConfig } from './config-file.js';
import { loadBundleOrFail, policyFileArg, tierOrUsage } from './policy-files.js';

/** A replay this long draws a progress bar (on a terminal); a short one finishes before it would be read. */
const PROGRESS_FROM = 200;

/** `gatehouse policy replay FILE [--last N] [--tier T]… [--all] [--json]`. */
export async function replay(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    last: { type: 'string', default: '1000' },
    tier: { type: 'string', multiple: true },
    all: { type: 'boolean', default: false },
  });
  const last = Number(values.last);
  if (!Number.isInteger(last) || last < 1) throw new UsageError(`--last must be a positive whole number of traces, not "${values.last}".`);
  const loaded = cliConfig(values);
  const bundle = loadBundleOrFail(policyFileArg(positionals[0], loaded, 'replay'));
  const tiers = values.tier ?? defaultReplayTiers(bundle, [loaded.config.tiers.active, ...loaded.config.tiers.shadow]);
  for (const t of tiers) tierOrUsage(bundle, t, '--tier');

  const dbFile = homePaths(loaded.home).db;
  if (!existsSync(dbFile)) throw new CommandError(`No trace store at ${dbFile}: run the gateway (gatehouse start) and send requests first, or pass --home.`);
  const db = openDatabase(dbFile);
  try {
    // Budgets count each trace's cost, priced as the gateway prices it (config overrides first).
    const prices = createPriceBook(loaded.config.prices);
    const kinds = new Map(loaded.config.providers.map((p) => [p.id, p.kind]));
    const costOf = async (t: Trace) =>
      t.resolved_model === null ? null : prices.cost(t.resolved_model, kinds.get(t.provider ?? '') ?? null, t.tokens_in ?? 0, t.tokens_out ?? 0);
    let drawn = false;
    const onStart = (total: number) => {
      if (total < PROGRESS_FROM || !process.stderr.isTTY) return undefined;
      drawn = true;
      return progressBar(total);
    };
    const report = await replayStore(new TraceStore(db), bundle, last, { tiers, costOf, onStart }, values.all);
    if (drawn) process.stderr.write('\r\x1b[K');
    process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatReplay(report));
  } finally {
    closeDatabase(db);
  }
}

/** `Replaying 340/1000 [#######.............] 34%` on stderr, redrawn when the percentage moves. */
export function progressBar(total: number, write = (s: string) => process.stderr.write(s)): (done: number) => void {
  let shown = -1;
  return (done) => {
    const pct = Math.floor((done / total) * 100);
    if (pct === shown) return;
    shown = pct;
    const filled = Math.round(pct / 5);
    write(`\rReplaying ${done}/${total} [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${pct}%`);
  };
}
