/**
 * Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`, a
 * devDependency) against a server URL and judges its checks against the committed list of
 * known failures (expected-failures.yaml beside this file).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

/** The two protocol revisions `/mcp` serves, each run against the suite's requirement set for it. */
export const REVISIONS = ['2025-11-25', '2026-07-28'] as const;
export type Revision = (typeof REVISIONS)[number];

const here = dirname(fileURLToPath(import.meta.url));
export const EXPECTED_FILE = join(here, 'expected-failures.yaml');
const PRELOAD = join(here, 'node20-glob.mjs');

const CheckSchema = z.object({ id: z.string(), status: z.string(), errorMessage: z.string().optional() });
export type Check = z.infer<typeof CheckSchema>;
export interface ScenarioResult {
  scenario: string;
  checks: Check[];
}

/** The suite's CLI, resolved from node_modules like any dependency. */
function suiteCli(): string {
  const pkg = createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/package.json');
  return join(dirname(pkg), 'dist', 'index.js');
}

export interface SuiteRun {
  results: ScenarioResult[];
  /** The suite's own output (stdout and stderr), also in `<outDir>/suite.log`. */
  log: string;
}

/**
 * Runs the server scenarios a revision requires (`--requirements`, which also runs, unscored,
 * the extension and pending scenarios) against `url`, writing the suite's results into
 * `outDir`. Asynchronous on purpose: the server under test may answer on this event loop.
 */
export async function runSuite(url: string, revision: Revision, outDir: string, opts: { scenario?: string; timeoutMs?: number } = {}): Promise<SuiteRun> {
  const selection = opts.scenario ? ['--scenario', opts.scenario, '--spec-version', revision] : ['--requirements', revision];
  const args = ['--import', PRELOAD, suiteCli(), 'server', '--url', url, ...selection, '-o', outDir, '--timeout', String(opts.timeoutMs ?? 10_000)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => out.push(d));
  // The exit code says only whether every check passed; the checks themselves are judged below.
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve());
  });
  const log = Buffer.concat(out).toString();
  writeFileSync(join(outDir, 'suite.log'), log);
  const results = readResults(outDir);
  if (results.length === 0) throw new Error(`The conformance suite wrote no results for ${revision}; its output:\n${log.slice(-3000)}`);
  return { results, log };
}

/** The suite writes `server-<scenario>-<ISO time>/checks.json` per scenario. */
export function readResults(outDir: string): ScenarioResult[] {
  const results: ScenarioResult[] = [];
  for (const dir of readdirSync(outDir).sort()) {
    const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(dir);
    const file = join(outDir, dir, 'checks.json');
    if (!m || !existsSync(file)) continue;
    results.push({ scenario: m[1]!, checks: z.array(CheckSchema).parse(JSON.parse(readFileSync(file, 'utf8'))) });
  }
  return results;
}

/** A check id can repeat in a scenario (a loop, a retried flow); it fails if any occurrence does. */
function failingChecks(r: ScenarioResult): Map<string, string> {
  const failing = new Map<string, string>();
  for (const c of r.checks) if (c.status === 'FAILURE' && !failing.has(c.id)) failing.set(c.id, c.errorMessage ?? '(no message)');
  return failing;
}

const ExpectedSchema = z.record(z.enum(REVISIONS), z.record(z.string().min(1), z.string().min(1)).default({}));
/** Per revision: `scenario` (every check of it may fail) or `scenario:check-id` (only that check), each with why. */
export type Expected = z.infer<typeof ExpectedSchema>;

export function loadExpected(file = EXPECTED_FILE): Expected {
  return ExpectedSchema.parse(parse(readFileSync(file, 'utf8')) ?? {});
}

export interface Judgement {
  /** A check that fails and is not in the list. */
  regressions: string[];
  /** A listed failure that no longer fails, or names a scenario that did not run. */
  stale: string[];
}

/** What differs between a run and the list of known failures (the suite's own baseline rules, with reasons). */
export function judge(results: readonly ScenarioResult[], known: Readonly<Record<string, string>>): Judgement {
  const regressions: string[] = [];
  const stale: string[] = [];
  const byScenario = new Map(results.map((r) => [r.scenario, r]));
  const whole = new Set<string>();
  const perCheck = new Map<string, Set<string>>();
  for (const key of Object.keys(known)) {
    const at = key.indexOf(':');
    const scenario = at < 0 ? key : key.slice(0, at);
    if (!byScenario.has(scenario)) stale.push(`${key}: the suite did not run scenario ${scenario}; remove it from the list`);
    else if (at < 0) whole.add(scenario);
    else perCheck.set(scenario, (perCheck.get(scenario) ?? new Set()).add(key.slice(at + 1)));
  }
  for (const s of whole) if (perCheck.has(s)) stale.push(`${s}: listed both whole and per check; keep one`);
  for (const r of results) {
    const failing = failingChecks(r);
    if (whole.has(r.scenario)) {
      if (failing.size === 0) stale.push(`${r.scenario}: passes now; move it out of the list of known failures`);
      continue;
    }
    const listed = perCheck.get(r.scenario) ?? new Set<string>();
    for (const [id, message] of failing) if (!listed.has(id)) regressions.push(`${r.scenario}:${id}: ${message}`);
    // Some checks exist only to report a failure (`…-general`): a scenario with none left has outgrown all its entries.
    if (listed.size > 0 && failing.size === 0) {
      stale.push(`${r.scenario}: passes now; move its entries out of the list of known failures`);
      continue;
    }
    for (const id of listed) {
      const passes = !failing.has(id) && r.checks.some((c) => c.id === id && c.status === 'SUCCESS');
      if (passes) stale.push(`${r.scenario}:${id}: passes now; move it out of the list of known failures`);
    }
  }
  return { regressions, stale };
}

/** One line per scenario: ✓/✗, its name, how many of its checks pass (worded so no test runner's closing line is imitated). */
export function summary(results: readonly ScenarioResult[]): string {
  let passed = 0;
  let failed = 0;
  const lines = results.map((r) => {
    const ok = r.checks.filter((c) => c.status === 'SUCCESS').length;
    const bad = r.checks.filter((c) => c.status === 'FAILURE').length;
    passed += ok;
    failed += bad;
    return `${bad === 0 ? '✓' : '✗'} ${r.scenario} (${ok} of ${ok + bad} checks pass)`;
  });
  const scenariosOk = results.filter((r) => failingChecks(r).size === 0).length;
  return [...lines, `scenarios passing ${scenariosOk} of ${results.length}; checks passing ${passed} of ${passed + failed}`].join('\n');
}
