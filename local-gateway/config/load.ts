import { readFileSync } from 'node:fs';
import { isAbsolute, resolve, dirname } from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { ConfigSchema, type Config } from './schema.js';

/** A config file that cannot be used, with a message naming the file, line and field. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** One problem in a YAML file: where it is and what is wrong. */
export interface YamlProblem {
  file: string;
  line: number;
  /** e.g. `tiers.prod.rate_limits[0].limit.per`; `(top level)` for the document itself. */
  path: string;
  message: string;
}

/** `file:line: field: message`, the form every config and policy error is shown in. */
export function formatProblem(p: YamlProblem): string {
  return p.path === '' ? `${p.file}:${p.line}: ${p.message}` : `${p.file}:${p.line}: ${p.path}: ${p.message}`;
}

export interface YamlCheckOptions {
  /**
   * Report an unknown key at its own line and path, one problem per key (the typo to fix),
   * rather than at the object holding it. The policy bundle's loaders ask for it.
   */
  keyLines?: boolean;
}

/** The yaml package's default: enough for every hand-written file, far too few for an expansion attack. */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses YAML text and validates it against a zod schema, collecting every problem with the
 * line it is on, so a typo points at the line to fix.
 */
export function checkYamlWith<S extends z.ZodType>(
  schema: S,
  text: string,
  file: string,
  opts: YamlCheckOptions = {},
): { ok: true; data: z.infer<S> } | { ok: false; problems: YamlProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    return { ok: false, problems: [{ file, line: lineCounter.linePos(e.pos[0]).line, path: '', message: e.message.split('\n')[0]! }] };
  }
  let value: unknown;
  try {
    // The yaml package refuses a document whose aliases would expand it exponentially (a "billion laughs").
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    return { ok: false, problems: [{ file, line: 1, path: '', message: `${(err as Error).message}: use fewer YAML aliases (*name), or write the values out` }] };
  }
  const result = schema.safeParse(value ?? {});
  if (result.success) return { ok: true, data: result.data };
  const problems = result.error.issues.flatMap((issue): YamlProblem[] => {
    const at = (path: PropertyKey[]) => ({ file, line: lineOf(doc, lineCounter, path), path: path.length > 0 ? formatPath(path) : '(top level)' });
    if (issue.code === 'unrecognized_keys' && !opts.keyLines) return [{ ...at(issue.path), message: `${issue.message} (${issue.keys.join(', ')})` }];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ ...at([...issue.path, key]), message: `unknown key "${key}": check its spelling against the documented keys` }));
    }
    return [{ ...at(issue.path), message: issue.message }];
  });
  return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
}

/** `checkYamlWith` that throws a ConfigError listing every problem, one `file:line: field: message` line each. */
export function parseYamlWith<S extends z.ZodType>(schema: S, text: string, file: string, opts: YamlCheckOptions = {}): z.infer<S> {
  const r = checkYamlWith(schema, text, file, opts);
  if (r.ok) return r.data;
  throw new ConfigError(r.problems.map(formatProblem).join('\n'));
}

function lineOf(doc: ReturnType<typeof parseDocument>, lc: LineCounter, path: PropertyKey[]): number {
  // Walk up the path until a node exists (a missing key is reported at its parent).
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as (string | number)[], true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return 1;
}

function formatPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

export interface LoadedConfig {
  config: Config;
  /** The file it came from; null when running on the built-in defaults. */
  file: string | null;
}

/** Reads and validates `gatehouse.yaml`; with no file, the built-in defaults apply. */
export function loadConfig(file: string | null): LoadedConfig {
  if (file === null) return { config: ConfigSchema.parse({}), file: null };
  const path = isAbsolute(file) ? file : resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT'
        ? `${path}: no such config file; create it or drop --config to run on the defaults`
        : `${path}: cannot read the config file (${code ?? String(err)})`,
    );
  }
  const config = parseYamlWith(ConfigSchema, text, path);
  if (config.policy && !isAbsolute(config.policy)) config.policy = resolve(dirname(path), config.policy);
  return { config, file: path };
}
