/**
 * Guardrails as a plain scanner: texts in, findings out, no request and no verdicts. The
 * `gatehouse guardrails scan` command, the evaluation runner and the speed bench all run
 * through here, so what they report is what the gateway's hooks would find.
 */
import { checkFor, hasGuardrailType, type GuardrailCheck, type GuardrailFinding } from '../policy/engine/guardrails.js';
import { GuardrailSchema, type Guardrail, type ResolvedTier } from '../policy/schema.js';

/** The types scanned when a tier has no guardrails of its own, each with its default config (each one in guardrails/index.ts). */
export const BUILTIN_TYPES = ['pii', 'secrets', 'prompt_injection'] as const;

/** The hooks whose guardrails look at model text (the MCP hooks see tool calls instead). */
const TEXT_HOOKS: ReadonlySet<Guardrail['hook']> = new Set(['llm_input', 'llm_output']);

/** One finding of one rule; offsets are UTF-16 code units into the text, as the engine reports them. */
export interface ScanFinding {
  /** The rule id. */
  guardrail: string;
  type: string;
  /** Index of the text in the list scanned. */
  text: number;
  start: number;
  end: number;
}

export interface ScannerRule {
  rule: Guardrail;
  check: GuardrailCheck;
}

/** The rules a scanner runs, and what it left out and why (one sentence each, for stderr). */
export interface ScanPlan {
  rules: Guardrail[];
  notes: string[];
}

/** A rule of the built-in set: its id is its type, default config, validated like a policy rule. */
function builtinRule(type: string): Guardrail {
  return GuardrailSchema.parse({ id: type, type, hook: 'llm_input', action: 'validate' });
}

/** The built-in set, less the types this build does not have (each named in a note). */
export function builtinPlan(types: readonly string[] = BUILTIN_TYPES): ScanPlan {
  const notes: string[] = [];
  const rules: Guardrail[] = [];
  for (const type of types) {
    // Never skips a BUILTIN_TYPES name (guardrails/index.ts lists them all); a caller that names its own types can name one that is not there.
    if (hasGuardrailType(type)) rules.push(builtinRule(type));
    else notes.push(`guardrail type "${type}" is not in this build: skipped.`);
  }
  return { rules, notes };
}

/**
 * What scanning a tier runs: its `llm_input` and `llm_output` guardrails, validators and
 * mutators alike (a scan reports, it changes nothing), whatever their `when`; a tier without
 * any falls back to the built-in set and says so.
 */
export function tierPlan(tier: ResolvedTier): ScanPlan {
  const rules = tier.guardrails.filter((g) => TEXT_HOOKS.has(g.hook));
  if (rules.length > 0) return { rules, notes: [] };
  const builtin = builtinPlan();
  return {
    rules: builtin.rules,
    notes: [`tier "${tier.name}" has no llm_input or llm_output guardrails: scanning with the built-in set (${BUILTIN_TYPES.join(', ')}).`, ...builtin.notes],
  };
}

function findingKey(f: ScanFinding): string {
  return `${f.text}\u0000${f.guardrail}\u0000${f.type}\u0000${f.start}\u0000${f.end}`;
}

/** Runs a plan's rules over texts; a rule that cannot be built fails here, before any input is read. */
export class Scanner {
  readonly rules: readonly ScannerRule[];

  constructor(rules: readonly Guardrail[]) {
    // A rule listed for both hooks (or twice by id) scans once.
    const seen = new Set<string>();
    const unique = rules.filter((r) => {
      const key = `${r.id}\u0000${r.type}\u0000${JSON.stringify(r.config)}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
    this.rules = unique.map((rule) => ({ rule, check: checkFor(rule) }));
  }

  /** Every rule's findings over the texts, identical findings once, ordered by text then position. */
  async scanTexts(texts: readonly string[]): Promise<ScanFinding[]> {
    // Local detectors answer synchronously; remote ones run side by side.
    const pending = this.rules.map(({ check }) => check.scan(texts));
    const results = pending.some((r) => r instanceof Promise) ? await Promise.all(pending) : (pending as GuardrailFinding[][]);
    const out: ScanFinding[] = [];
    const seen = new Set<string>();
    results.forEach((found, i) => {
      const guardrail = this.rules[i]!.rule.id;
      for (const f of found) {
        const finding = { guardrail, type: f.type, text: f.text, start: f.start, end: f.end };
        const key = findingKey(finding);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(finding);
      }
    });
    return out.sort((a, b) => a.text - b.text || a.start - b.start || a.end - b.end);
  }

  /** The rule ids and types this scanner reports under. */
  names(): Set<string> {
    return new Set(this.rules.flatMap(({ rule }) => [rule.id, rule.type]));
  }
}
