import { once } from 'node:events';
import { z } from 'zod';
import { codePointMapper } from '../guardrails/code-points.js';
import { closeGuardrailPools, setGuardrailRuntime } from '../guardrails/remote/index.js';
import { BUILTIN_TYPES, builtinPlan, Scanner, tierPlan, type ScanFinding, type ScanPlan } from '../guardrails/scanner.js';
import { CommandError, parse, UsageError } from './args.js';
import { cliConfig } from './config-file.js';
import { readLines } from './lines.js';
import { loadBundleOrFail, tierOrUsage } from './policy-files.js';

export const GUARDRAILS_HELP = `Usage: gatehouse guardrails scan [--tier T] [--config FILE] [--home DIR] [--json]

  Reads JSON lines {"text": "..."} on stdin and writes one JSON line per input, in input order,
  as each line is read: {"findings":[{"guardrail","type","start","end"}]}.

  guardrail  the rule id (the type name for the built-in set)
  type       what was found, e.g. email, github_pat, instruction_override
  start/end  offsets in Unicode code points (characters, as Python counts them), end exclusive

  --tier T   the policy tier whose llm_input and llm_output guardrails run, validate and mutate
             rules alike (default: the config's active tier). A tier without guardrails, or no
             policy at all, scans with the built-in set: pii, secrets, prompt_injection.
  --json     accepted for symmetry with the other commands: the output is always JSON lines.

  A line that is not JSON or has no string "text" gets {"error": "line N: ..."} and the scan
  goes on; the exit code is then 1. Bad usage exits 2.
`;

const LineSchema = z.object({ text: z.string() });

/** The plan for --tier (or the active tier): the policy's guardrails, else the built-in set. */
function planFor(values: { tier?: string | undefined; home?: string | undefined; config?: string | undefined }): ScanPlan {
  const loaded = cliConfig(values);
  // A remote guardrail that borrows a provider (`provider: openai`) finds it in this config, as in the gateway.
  setGuardrailRuntime({ env: process.env, providers: loaded.config.providers });
  const name = values.tier ?? loaded.config.tiers.active;
  if (loaded.config.policy === undefined) {
    const known = [loaded.config.tiers.active, ...loaded.config.tiers.shadow];
    if (!known.includes(name)) throw new UsageError(`No policy is configured, so there is no tier "${name}": drop --tier, or set policy: in ${loaded.file ?? 'gatehouse.yaml'}.`);
    const builtin = builtinPlan();
    return { rules: builtin.rules, notes: [`no policy configured: scanning with the built-in set (${BUILTIN_TYPES.join(', ')}).`, ...builtin.notes] };
  }
  return tierPlan(tierOrUsage(loadBundleOrFail(loaded.config.policy), name, '--tier'));
}

/** One output line for one input line. */
async function scanLine(scanner: Scanner, line: string, n: number): Promise<{ out: string; ok: boolean }> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { out: JSON.stringify({ error: `line ${n}: not JSON (${(err as Error).message}): write one object {"text": "..."} per line` }), ok: false };
  }
  const parsed = LineSchema.safeParse(value);
  if (!parsed.success) return { out: JSON.stringify({ error: `line ${n}: no string "text": write one object {"text": "..."} per line` }), ok: false };
  const text = parsed.data.text;
  let found: ScanFinding[];
  try {
    found = await scanner.scanTexts([text]);
  } catch (err) {
    return { out: JSON.stringify({ error: `line ${n}: a guardrail could not run (${(err as Error).message})` }), ok: false };
  }
  const at = codePointMapper(text);
  const findings = found.map((f) => ({ guardrail: f.guardrail, type: f.type, start: at(f.start), end: at(f.end) }));
  return { out: JSON.stringify({ findings }), ok: true };
}

/**
 * Output is gathered while input lines arrive in one burst and written once the burst is
 * handled: a write per line would cost a system call each on a million-line input. When
 * the reader of stdout is slower than the scan, `drained` holds the loop back, so neither
 * the input nor the output piles up in memory.
 */
class LineWriter {
  private buffered = '';
  private scheduled = false;
  /** Set while stdout's buffer is full; resolves once it has room again. */
  drained: Promise<unknown> | null = null;

  push(line: string): void {
    this.buffered += `${line}\n`;
    if (this.buffered.length >= 1 << 16) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.buffered === '') return;
    const full = !process.stdout.write(this.buffered);
    this.buffered = '';
    if (full && this.drained === null) this.drained = once(process.stdout, 'drain')
        // A reader that went away: the loop sees the stream closed and stops.
        .catch(() => undefined)
        .finally(() => (this.drained = null));
  }
}

/** `gatehouse guardrails scan`: streams findings for JSON lines on stdin. */
async function scan(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { tier: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}": the texts come on stdin as JSON lines (see gatehouse guardrails --help).`);
  const plan = planFor(values);
  for (const note of plan.notes) process.stderr.write(`${note}\n`);
  if (plan.rules.length === 0) process.stderr.write('no guardrail left to run: every line will have no findings.\n');
  let scanner: Scanner;
  try {
    scanner = new Scanner(plan.rules);
  } catch (err) {
    throw new CommandError(`${(err as Error).message}: fix the guardrail in the policy (gatehouse policy check).`);
  }
  // A reader that stopped early (`| head`): stop reading, and do not crash on the broken pipe.
  let closed = false;
  process.stdout.on('error', () => {
    closed = true;
    process.stdin.destroy();
  });
  const writer = new LineWriter();
  let n = 0;
  let bad = 0;
  try {
    for await (const line of readLines(process.stdin)) {
      if (closed) break;
      const r = await scanLine(scanner, line, ++n);
      if (!r.ok) bad++;
      writer.push(r.out);
      if (writer.drained) await writer.drained;
    }
  } finally {
    // Kept-alive connections to a remote guardrail's service would hold the process open.
    await closeGuardrailPools();
  }
  writer.flush();
  if (bad > 0) throw new CommandError(`${bad} of ${n} line${n === 1 ? '' : 's'} could not be scanned: see the "error" lines in the output.`);
}

/** `gatehouse guardrails …`. */
export async function guardrails(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'scan') throw new UsageError(`${sub === undefined ? 'Name a subcommand' : `Unknown subcommand "${sub}"`}: gatehouse guardrails scan [--tier T] < texts.jsonl.`);
  await scan(rest);
}
