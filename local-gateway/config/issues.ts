import type { z } from 'zod';
import { nearest } from '../core/suggest.js';

/**
 * What config and policy errors say, in place of zod's defaults ("Invalid input: expected
 * string, received undefined"): a phrase that completes `field: …` and says what to write.
 * Messages a schema sets itself (a secret reference, a window) take precedence over these.
 */
export function friendlyIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = article(YAML_NAMES[String(issue.expected)] ?? String(issue.expected));
      return issue.input === undefined ? `is missing: add it as ${expected}` : `must be ${expected}, not ${describe(issue.input)}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, not ${describe(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'array') return `list at least ${String(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return issue.minimum === 1 ? 'must not be empty' : `must be at least ${String(issue.minimum)} characters`;
      return `must be ${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'array') return `list at most ${String(issue.maximum)} items`;
      if (issue.origin === 'string') return `must be at most ${String(issue.maximum)} characters`;
      return `must be ${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}`;
    case 'invalid_format':
      return `must be ${article(issue.format === 'regex' ? 'value of the documented form' : issue.format)}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_union':
      return 'matches none of the documented forms: check it against docs/reference';
    case 'invalid_key':
      return 'has a key of the wrong form';
    default:
      return undefined;
  }
}

/** The words a YAML author uses for zod's types. */
const YAML_NAMES: Record<string, string> = { array: 'list', object: 'mapping', record: 'mapping', map: 'mapping' };

function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `the ${typeof value} ${String(value)}`;
}

/** The internals every zod schema carries: enough to walk from a schema to the one at a path. */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  values?: unknown[];
  getter?: () => z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Wrappers that hold one schema: what `.optional()`, `.default()`, `.transform()` and `superRefine` build. */
function unwrap(schema: z.ZodType): z.ZodType {
  for (;;) {
    const def = defOf(schema);
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : undefined) ?? (def.type === 'lazy' ? def.getter?.() : undefined);
    if (!next) return schema;
    schema = next;
  }
}

/** Of a union's object options, the one whose literal fields (a provider's `kind`) the value has. */
function pickOption(options: z.ZodType[], value: unknown): z.ZodType[] {
  const objects = options.map(unwrap).filter((o) => defOf(o).type === 'object');
  const matching = objects.filter((o) =>
    Object.entries(defOf(o).shape ?? {}).every(([key, field]) => {
      const d = defOf(unwrap(field));
      return d.type !== 'literal' || (d.values ?? []).includes((value as Record<string, unknown> | null)?.[key]);
    }),
  );
  return matching.length > 0 ? matching : objects;
}

/** The keys the schema allows at `path` of `value`, or null when that is not an object the schema describes. */
export function schemaKeysAt(schema: z.ZodType, value: unknown, path: readonly PropertyKey[]): string[] | null {
  let candidates = [schema];
  let here = value;
  for (const step of [...path, null]) {
    candidates = candidates.map(unwrap).flatMap((s) => (defOf(s).type === 'union' ? pickOption(defOf(s).options ?? [], here) : [s]));
    if (step === null) break;
    candidates = candidates.flatMap((s) => {
      const def = defOf(s);
      if (def.type === 'object') return def.shape?.[String(step)] ? [def.shape[String(step)]!] : [];
      if (def.type === 'array' && def.element) return [def.element];
      if (def.type === 'record' && def.valueType) return [def.valueType];
      return [];
    });
    here = (here as Record<PropertyKey, unknown> | null | undefined)?.[step as string];
  }
  const keys = candidates.filter((s) => defOf(s).type === 'object').flatMap((s) => Object.keys(defOf(s).shape ?? {}));
  return keys.length > 0 ? [...new Set(keys)] : null;
}

/** `unknown key "limts": did you mean "limits"?`, or the keys there are when none is near. */
export function unknownKeyMessage(key: string, allowed: string[] | null): string {
  if (allowed === null) return `unknown key "${key}": remove it, or check its spelling against the documented keys`;
  const meant = nearest(key, allowed);
  if (meant) return `unknown key "${key}": did you mean "${meant}"?`;
  return `unknown key "${key}": remove it, or use one of ${allowed.join(', ')}`;
}
