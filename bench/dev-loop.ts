/**
 * The developer loop: `npm run build` with nothing changed (what `npm start` pays before every
 * start), and the CLI's start for the commands scripts run most. With `--base DIR` (another
 * checkout, built, e.g. `git archive main | tar -x -C DIR` plus a node_modules link) both are
 * measured side by side, interleaved, so the machine's load hits them alike.
 *
 *   npx tsx bench/dev-loop.ts [--base DIR] [--runs 5]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { base: { type: 'string' }, runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const checkouts: [string, string][] = [['this', resolve('.')], ...(values.base ? [['base', resolve(values.base)] as [string, string]] : [])];
const home = mkdtempSync(join(tmpdir(), 'gatehouse-dev-loop-'));
const env = { ...process.env, GATEHOUSE_HOME: home, GATEHOUSE_KEYCHAIN: 'off', GATEHOUSE_TOKEN: '' };

const CASES: [string, string[]][] = [
  ['npm run build, no change', ['npm', 'run', 'build']],
  ['node -e 0 (the floor)', ['node', '-e', '0']],
  ['gatehouse --version', ['node', 'bin/gatehouse.js', '--version']],
  ['gatehouse token', ['node', 'bin/gatehouse.js', 'token']],
  ['gatehouse status (no gateway)', ['node', 'bin/gatehouse.js', 'status']],
  ['npx gatehouse --version', ['npx', 'gatehouse', '--version']],
];

function once(cwd: string, [cmd, ...args]: string[]): number {
  const start = process.hrtime.bigint();
  spawnSync(cmd!, args, { cwd, env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// One untimed run each: the first build after a checkout and the token's creation are not the loop.
for (const [, dir] of checkouts) for (const [, c] of CASES) once(dir, c);
console.log(`median of ${runs} runs, ms${values.base ? ` (base: ${values.base})` : ''}`);
for (const [name, c] of CASES) {
  const times = new Map(checkouts.map(([label]) => [label, [] as number[]]));
  for (let i = 0; i < runs; i++) for (const [label, dir] of checkouts) times.get(label)!.push(once(dir, c));
  console.log(`${name.padEnd(32)} ${checkouts.map(([label]) => `${label} ${median(times.get(label)!).toFixed(0).padStart(6)}`).join('   ')}`);
}
rmSync(home, { recursive: true, force: true });
