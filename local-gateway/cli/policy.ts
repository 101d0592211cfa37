import { formatProblem } from '../config/load.js';
import { homePaths, localToken, readRuntime } from '../core/home.js';
import { diffTiers, type TierDiff } from '../policy/diff.js';
import type { ResolvedTier } from '../policy/schema.js';
import { checkPolicyText } from '../policy/validate.js';
import { activePolicy, readPolicyText } from '../policy/source.js';
import { policyView, type PolicyView } from '../policy/view.js';
import { CommandError, parse, UsageError } from './args.js';
import { cliConfig } from './config-file.js';
import { loadBundleOrFail, policyFileArg, tierOrUsage } from './policy-files.js';
import { replay } from './replay.js';

export const POLICY_HELP = `Usage: gatehouse policy <show | check FILE | diff [FILE] | replay FILE>

  show [--json]                            The policy in force: the running gateway's, else the config's file
  check [FILE] [--json]                    Validate a bundle; every problem as file:line: field: message
  diff [FILE] [--from T] [--to T] [--json] What tier --to adds or tightens over --from, rule by rule
                                           (defaults: the config's active tier to its first shadow tier)
  replay FILE [--last N] [--json]          Re-evaluate the newest N stored traces (default 1000) against a
                                           candidate bundle and report, per rule, what would change;
                                           --tier T (repeatable) picks tiers, --all lists unchanged rules too

FILE defaults to the config's policy: file.
`;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `gatehouse policy check [FILE]`: exit 0 with a one-line summary, 1 listing every problem. */
async function check(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {});
  const file = policyFileArg(positionals[0], cliConfig(values), 'check');
  const r = checkPolicyText(readPolicyTextOrFail(file), file);
  if (!r.ok) {
    if (values.json) process.stdout.write(`${JSON.stringify({ ok: false, file, problems: r.problems })}\n`);
    throw new CommandError(`${file}: ${plural(r.problems.length, 'problem')}:\n${r.problems.map(formatProblem).join('\n')}`);
  }
  const b = r.data;
  const tiers = Object.entries(b.tiers);
  const count = (key: 'rate_limits' | 'budgets' | 'guardrails') => tiers.reduce((n, [, t]) => n + (t[key]?.length ?? 0), 0);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ok: true, file, org: b.org, version: b.version, tiers: tiers.map(([n]) => n) })}\n`);
    return;
  }
  const names = tiers.map(([n, t]) => (t.extends ? `${n} (extends ${t.extends})` : n)).join(', ');
  process.stdout.write(
    `${file}: ok: org ${b.org}, version ${b.version}, tiers ${names}; ${plural(count('rate_limits'), 'rate limit')}, ${plural(count('budgets'), 'budget')}, ${plural(count('guardrails'), 'guardrail')} as written.\n`,
  );
}

function readPolicyTextOrFail(file: string): string {
  try {
    return readPolicyText(file);
  } catch (err) {
    throw new CommandError((err as Error).message);
  }
}

/** `gatehouse policy diff [FILE] --from dev --to prod`: what the step from one tier to the other changes. */
async function diff(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { from: { type: 'string' }, to: { type: 'string' } });
  const loaded = cliConfig(values);
  const bundle = loadBundleOrFail(policyFileArg(positionals[0], loaded, 'diff'));
  const from = values.from ?? loaded.config.tiers.active;
  const to = values.to ?? loaded.config.tiers.shadow[0] ?? 'prod';
  const d = diffTiers(tierOrUsage(bundle, from, '--from'), tierOrUsage(bundle, to, '--to'));
  process.stdout.write(values.json ? `${JSON.stringify(d)}\n` : formatDiff(d));
}

export function formatDiff(d: TierDiff): string {
  const c = d.counts;
  const s = d.summary;
  const head = `${d.from} → ${d.to}: ${s.tighten} tighten, ${s.loosen} loosen, ${s.change} change (${plural(d.changes.length, 'change')}: ${c.added} added, ${c.tightened} tightened, ${c.changed} changed, ${c.loosened} loosened, ${c.removed} removed)\n`;
  if (d.changes.length === 0) return head;
  const w1 = Math.max(...d.changes.map((x) => x.section.length));
  const w2 = Math.max(...d.changes.map((x) => x.rule.length));
  const rows = d.changes.map((x) => `  ${x.section.padEnd(w1)}  ${x.rule.padEnd(w2)}  ${x.change.padEnd(9)}  ${x.detail}`);
  return `${head}${rows.join('\n')}\n`;
}

/** `gatehouse policy show`: asks the running gateway (it knows a refused edit), else reads the config's file. */
async function show(argv: string[]): Promise<void> {
  const { values } = parse(argv, {});
  const loaded = cliConfig(values);
  const live = await fromGateway(loaded.home);
  let view: PolicyView;
  if (live !== null) view = live;
  else {
    const bundle = loaded.config.policy === undefined ? null : loadBundleOrFail(loaded.config.policy);
    const tiers = [loaded.config.tiers.active, ...loaded.config.tiers.shadow];
    try {
      view = policyView(activePolicy(bundle, tiers, bundle === null ? 'builtin' : 'file', loaded.config.policy ?? null), loaded.config.tiers, null);
    } catch (err) {
      throw new CommandError(`${(err as Error).message}: fix tiers: in the config or add the tier to the policy.`);
    }
  }
  process.stdout.write(values.json ? `${JSON.stringify(view)}\n` : formatView(view, live !== null));
}

async function fromGateway(home: string): Promise<PolicyView | null> {
  const paths = homePaths(home);
  const runtime = readRuntime(paths);
  const token = localToken(paths, process.env, false);
  if (runtime === null || token === null) return null;
  try {
    const res = await fetch(`http://127.0.0.1:${runtime.port}/api/policy`, { headers: { authorization: `Bearer ${token.value}` }, signal: AbortSignal.timeout(2000) });
    return res.ok ? ((await res.json()) as PolicyView) : null;
  } catch {
    // A runtime file left by a gateway that died: read the file instead.
    return null;
  }
}

function formatView(v: PolicyView, live: boolean): string {
  const lines = [
    v.source === 'builtin'
      ? 'No policy configured: the built-in permissive tier applies (set policy: in gatehouse.yaml).'
      : `Policy ${v.org} version ${v.version} (${v.source}${v.file ? ` ${v.file}` : ''}), loaded ${v.loaded_at}${live ? ' by the running gateway' : ''}`,
    `  Tiers   ${v.tiers.active} (active)${v.tiers.shadow.map((s) => `, ${s} (shadow)`).join('')}; defined: ${v.tiers.defined.join(', ')}`,
  ];
  for (const [name, raw] of Object.entries(v.resolved)) {
    const t = raw as ResolvedTier;
    const req = t.metadata.required.length ? t.metadata.required.join(', ') : 'none';
    lines.push(
      `  ${name.padEnd(6)}  metadata required: ${req}; models: allow ${t.models.allow.join(', ')}${t.models.deny.length ? `, deny ${t.models.deny.join(', ')}` : ''}; ` +
        `${plural(t.rate_limits.length, 'rate limit')}, ${plural(t.budgets.length, 'budget')}, ${plural(t.guardrails.length, 'guardrail')}, ${plural(Object.keys(t.virtual_models).length, 'virtual model')}`,
    );
  }
  if (v.last_error) lines.push(`  Refused edit at ${v.last_error.at} (the policy above stays in force):`, ...v.last_error.message.split('\n').map((l) => `    ${l}`));
  return `${lines.join('\n')}\n`;
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<void>> = { show, check, diff, replay };

/** `gatehouse policy …`. */
export async function policy(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const run = sub === undefined ? undefined : SUBCOMMANDS[sub];
  if (run === undefined) throw new UsageError(`${sub === undefined ? 'Name a subcommand' : `Unknown subcommand "${sub}"`}: gatehouse policy show | check FILE | diff [FILE] | replay FILE.`);
  await run(rest);
}
