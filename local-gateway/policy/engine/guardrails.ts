import type { z } from 'zod';
import { friendlyIssue, schemaKeysAt, unknownKeyMessage } from '../../config/issues.js';
import type { Guardrail, ResolvedTier, Verdict } from '../schema.js';
import type { RequestFacts } from './facts.js';
import { matches } from './match.js';
import { Placeholders } from './placeholders.js';
import { keepKinds } from '../../contracts/texts.js';
import { verdict, type Role } from './verdict.js';
import { builtinGuardrailTypes } from '../../guardrails/index.js';
import { standaloneGuardrailRuntime, type GuardrailRuntime } from '../../guardrails/remote/runtime.js';

/** One thing a guardrail found: a span of one of the texts it was given. Never the matched text itself, which may be the secret. */
export interface GuardrailFinding {
  type: string;
  /** Index of the text in the list scanned. */
  text: number;
  start: number;
  end: number;
}

/**
 * What a tool hook's check may look at besides the texts: the request's facts (caller,
 * metadata, the tool and its arguments) and, per text, where in the arguments or result it
 * came from (`query`, `filters.0.value`). Absent on the LLM hooks.
 */
export interface GuardrailSubject {
  facts: RequestFacts;
  paths: readonly string[];
  /**
   * What a check worked out for this call, under a key of its own, for the same check in
   * another tier (a shadow tier that `extends` the active one runs the same rule on the same facts).
   */
  shared?: Map<string, unknown>;
}

/** A configured guardrail, ready to run. */
export interface GuardrailCheck {
  scan(texts: readonly string[], subject?: GuardrailSubject): GuardrailFinding[] | Promise<GuardrailFinding[]>;
  /**
   * The texts with the findings replaced, for `action: mutate`. A type that puts typed
   * placeholders in (`<EMAIL_1>`) names them through `names`, the request's placeholders in
   * this tier, so a value gets the same name in every text and can be restored in the answer.
   */
  redact(texts: readonly string[], findings: readonly GuardrailFinding[], names?: Placeholders): string[];
}

/** A guardrail kind: the schema of its `config` and how to build a check from it. */
export interface GuardrailType<C = unknown> {
  config: z.ZodType<C>;
  /** `runtime` is the gateway's: a remote type resolves its keys and opens its pools there (the standalone one when absent). */
  create(config: C, rule: Guardrail, runtime?: GuardrailRuntime): GuardrailCheck;
  /** Sends the text to a third-party service: replaying stored traffic must not call it. */
  remote?: boolean;
  /** The hooks it can run on (absent: any); a rule on another hook is refused by `policy check`. */
  hooks?: readonly Hook[];
}

/** Types added beside the built-in list (`guardrails/index.ts`): tests' stand-in types. */
const added = new Map<string, GuardrailType<never>>();

/** Adds a guardrail kind beside the built-in ones under its `type` name (tests' stand-ins; a built-in type is listed in `guardrails/index.ts`). */
export function registerGuardrailType<C>(name: string, type: GuardrailType<C>): void {
  added.set(name, type as unknown as GuardrailType<never>);
}

function typeOf(name: string): GuardrailType<never> | undefined {
  return builtinGuardrailTypes().get(name) ?? added.get(name);
}

/** Every registered type's name and config schema, for the generated policy reference. */
export function guardrailTypeConfigs(): [string, z.ZodType][] {
  return [...builtinGuardrailTypes()].map(([name, type]) => [name, type.config as z.ZodType]);
}

/** Whether this build has a guardrail kind (types are built in parallel; a scan skips the absent ones). */
export function hasGuardrailType(name: string): boolean {
  return typeOf(name) !== undefined;
}

/** Whether a rule's type calls a remote service (see `GuardrailType.remote`). */
export function isRemoteGuardrail(rule: Guardrail): boolean {
  return typeOf(rule.type)?.remote === true;
}

/** Problems with a guardrail rule's `type` or `config`, for `gatehouse policy check`; empty when it is fine. */
export function guardrailConfigErrors(rule: Guardrail): string[] {
  const type = typeOf(rule.type);
  if (!type) return [`unknown guardrail type "${rule.type}" (this build has: ${[...builtinGuardrailTypes().keys(), ...added.keys()].join(', ')})`];
  if (type.hooks && !type.hooks.includes(rule.hook)) return [`hook: guardrail type ${rule.type} runs on ${type.hooks.join(' or ')}, not ${rule.hook}`];
  // The same phrasing as the bundle's own fields: plain words, and an unknown key at its own path with the key meant.
  const r = type.config.safeParse(rule.config, { error: friendlyIssue });
  if (!r.success) {
    const at = (path: PropertyKey[]) => `config${path.length ? '.' + path.join('.') : ''}`;
    return r.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((key) => `${at([...i.path, key])}: ${unknownKeyMessage(key, schemaKeysAt(type.config, rule.config, i.path))}`)
        : [`${at(i.path)}: ${i.message}`],
    );
  }
  try {
    type.create(r.data as never, rule, standaloneGuardrailRuntime());
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

/** A check of a registered type built from a raw config, as a policy rule would build it (for the scan CLI, benches and tests). */
export function createGuardrailCheck(typeName: string, config: unknown = {}, runtime: GuardrailRuntime = standaloneGuardrailRuntime()): GuardrailCheck {
  const type = typeOf(typeName);
  if (!type) throw new Error(`guardrail type "${typeName}" is not available in this build`);
  const rule = { id: typeName, type: typeName, hook: 'llm_input', action: 'validate', mode: 'enforce', config } as Guardrail;
  return type.create(type.config.parse(config) as never, rule, runtime);
}

/**
 * The checks one runtime (one gateway) has built. Resolved tiers keep their rule objects for the
 * policy's life, so a check is built once per rule; rules with the same type and config (a prod
 * tier that repeats dev's) share one check. They go with their runtime: two gateways never
 * share a check, nor its remembered results.
 */
interface BuiltChecks {
  byRule: WeakMap<Guardrail, GuardrailCheck | Error>;
  byConfig: Map<string, GuardrailCheck>;
}
const checksOf = new WeakMap<GuardrailRuntime, BuiltChecks>();

function build(rule: Guardrail, runtime: GuardrailRuntime, checks: BuiltChecks): GuardrailCheck | Error {
  try {
    const type = typeOf(rule.type);
    if (!type) throw new Error(`guardrail type "${rule.type}" is not available in this build`);
    const key = `${rule.type}\u0000${JSON.stringify(rule.config)}`;
    let c = checks.byConfig.get(key);
    if (!c) checks.byConfig.set(key, (c = type.create(type.config.parse(rule.config), rule, runtime)));
    return c;
  } catch (err) {
    return err as Error;
  }
}

/** The check a rule runs in a runtime (built once per rule); throws when the type is missing or its config is bad. */
export function checkFor(rule: Guardrail, runtime: GuardrailRuntime = standaloneGuardrailRuntime()): GuardrailCheck {
  let checks = checksOf.get(runtime);
  if (!checks) checksOf.set(runtime, (checks = { byRule: new WeakMap(), byConfig: new Map() }));
  let c = checks.byRule.get(rule);
  if (!c) checks.byRule.set(rule, (c = build(rule, runtime, checks)));
  if (c instanceof Error) throw c;
  return c;
}

export interface GuardrailOutcome {
  verdicts: Verdict[];
  /** The texts after this tier's mutations (the same array when nothing changed). */
  texts: string[];
}

type Hook = Guardrail['hook'];

export function findingsOf(found: readonly GuardrailFinding[], label: string): Verdict['findings'] {
  return found.map((f) => ({ type: f.type, start: f.start, end: f.end, detail: `${label}[${f.text}]` }));
}

/** A guardrail that failed: audit and enforce let the request through and record it; strict blocks. */
export function failed(role: Role, stage: Verdict['stage'], rule: Guardrail, err: unknown): Verdict {
  const msg = (err as Error).message;
  if (rule.mode === 'strict') {
    return verdict(role, stage, rule.id, 'block', 'strict', `${role.tier} guardrail "${rule.id}" could not run (${msg}) and is strict, so the request is refused: fix the guardrail or retry.`, [{ type: 'error', detail: msg }]);
  }
  return verdict(role, stage, rule.id, 'allow', rule.mode, `${role.tier} guardrail "${rule.id}" could not run (${msg}); ${rule.mode} mode lets the request through.`, [{ type: 'error', detail: msg }]);
}

async function scan(rule: Guardrail, texts: readonly string[], runtime: GuardrailRuntime, subject?: GuardrailSubject): Promise<{ check: GuardrailCheck; found: GuardrailFinding[] }> {
  const check = checkFor(rule, runtime);
  return { check, found: await check.scan(texts, subject) };
}

/** Each hook's stage in the verdicts, what its texts are called, and what to remove a finding from. */
const HOOK_TEXTS: Record<Hook, { stage: Verdict['stage']; label: string; from: string }> = {
  llm_input: { stage: 'input_guardrails', label: 'input', from: 'the prompt' },
  llm_output: { stage: 'output_guardrails', label: 'output', from: 'the answer' },
  mcp_pre_tool: { stage: 'mcp_pre_tool', label: 'tool arguments', from: 'the tool call' },
  mcp_post_tool: { stage: 'mcp_post_tool', label: 'tool result', from: 'the tool result' },
};

/**
 * Runs one hook's guardrails for one tier: mutators in sequence (each sees the text the one
 * before it redacted), then validators in parallel on the result. An `audit` mutator records
 * what it would redact and changes nothing.
 */
export async function runGuardrails(
  tier: ResolvedTier,
  hook: Hook,
  facts: RequestFacts,
  texts: string[],
  role: Role,
  names: Placeholders = new Placeholders(() => texts),
  runtime: GuardrailRuntime = standaloneGuardrailRuntime(),
  subject?: GuardrailSubject,
): Promise<GuardrailOutcome> {
  const { stage, label, from } = HOOK_TEXTS[hook];
  const rules = tier.guardrails.filter((g) => g.hook === hook && matches(g.when, facts));
  const verdicts: Verdict[] = [];
  let current = texts;
  for (const rule of rules.filter((g) => g.action === 'mutate')) {
    try {
      const { check, found } = await scan(rule, current, runtime, subject);
      if (found.length === 0) continue;
      if (rule.mode !== 'audit') current = keepKinds(current, check.redact(current, found, names));
      const reason = `${role.tier} guardrail "${rule.id}" ${rule.mode === 'audit' ? 'would redact' : 'redacted'} ${found.length} finding(s) (${[...new Set(found.map((f) => f.type))].join(', ')}).`;
      verdicts.push(verdict(role, stage, rule.id, 'mutate', rule.mode, reason, findingsOf(found, label)));
    } catch (err) {
      verdicts.push(failed(role, stage, rule, err));
    }
  }
  const validators = rules.filter((g) => g.action === 'validate');
  const settled = await Promise.allSettled(validators.map((rule) => scan(rule, current, runtime, subject)));
  settled.forEach((s, i) => {
    const rule = validators[i]!;
    if (s.status === 'rejected') return void verdicts.push(failed(role, stage, rule, s.reason));
    const found = s.value.found;
    if (found.length === 0) return;
    const types = [...new Set(found.map((f) => f.type))].join(', ');
    const reason = `${role.tier} guardrail "${rule.id}" found ${types} in the ${label}: remove it from ${from}, or ask the policy owner about rule ${rule.id}.`;
    verdicts.push(verdict(role, stage, rule.id, 'block', rule.mode, reason, findingsOf(found, label)));
  });
  return { verdicts, texts: current };
}
