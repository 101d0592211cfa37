import { readFileSync } from 'node:fs';
import { isAbsolute, resolve, dirname } from 'node:path';
import { LineCounter, parseDocument, isMap, isNode, isScalar } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type YamlProblem } from '../core/config-error.js';
import { friendlyIssue, schemaKeysAt, unknownKeyMessage } from './issues.js';
import { ConfigSchema, type Config } from './schema.js';


export type { YamlProblem };

/** `file:line: field: message`, the form every config and policy error is shown in. */
export function formatProblem(p: YamlProblem): string {
  return p.path === '' ? `${p.file}:${p.line}: ${p.message}` : `${p.file}:${p.line}: ${p.path}: ${p.message}`;
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
): { ok: true; data: z.infer<S> } | { ok: false; problems: YamlProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    return { ok: false, problems: [{ file, line: lineCounter.linePos(e.pos[0]).line, path: '', message: yamlSyntaxMessage(e.code, e.message.split('\n')[0]!) }] };
  }
  let value: unknown;
  try {
    // The yaml package refuses a document whose aliases would expand it exponentially (a "billion laughs").
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    return { ok: false, problems: [{ file, line: 1, path: '', message: `${(err as Error).message}: use fewer YAML aliases (*name), or write the values out` }] };
  }
  // A per-parse error map: zod's default phrasing is replaced, a schema's own message is kept.
  const result = schema.safeParse(value ?? {}, { error: friendlyIssue });
  if (result.success) return { ok: true, data: result.data };
  const problems = result.error.issues.flatMap((issue): YamlProblem[] => {
    const at = (path: PropertyKey[], key = false) => ({ file, line: key ? keyLineOf(doc, lineCounter, path) : lineOf(doc, lineCounter, path), path: path.length > 0 ? formatPath(path) : '(top level)' });
    // An unknown key is reported at its own line (the typo to fix), with the valid key nearest to it.
    if (issue.code === 'unrecognized_keys') {
      const allowed = schemaKeysAt(schema, value, issue.path);
      return issue.keys.map((key) => ({ ...at([...issue.path, key], true), message: unknownKeyMessage(key, allowed) }));
    }
    return [{ ...at(issue.path), message: issue.message }];
  });
  return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
}

/** The yaml package's sentence, with what to do about it: its own text names the rule broken, not the fix. */
function yamlSyntaxMessage(code: string, message: string): string {
  if (code === 'DUPLICATE_KEY') return 'this key appears twice in the same mapping: keep one';
  return `${message.replace(/\.$/, '')} (YAML syntax): check the indentation, colons, dashes and brackets of this line and the one before`;
}

/** `checkYamlWith` that throws a ConfigError listing every problem, one `file:line: field: message` line each. */
export function parseYamlWith<S extends z.ZodType>(schema: S, text: string, file: string): z.infer<S> {
  const r = checkYamlWith(schema, text, file);
  if (r.ok) return r.data;
  throw new ConfigError(r.problems.map(formatProblem).join('\n'), r.problems);
}

function lineOf(doc: ReturnType<typeof parseDocument>, lc: LineCounter, path: PropertyKey[]): number {
  // Walk up the path until a node exists (a missing key is reported at its parent).
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as (string | number)[], true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return 1;
}

/** The line of a key itself, not of its value (a nested mapping's value starts on the next line). */
function keyLineOf(doc: ReturnType<typeof parseDocument>, lc: LineCounter, path: PropertyKey[]): number {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1) as (string | number)[], true) : doc.contents;
  if (isMap(parent)) {
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[path.length - 1]));
    if (pair && isNode(pair.key) && pair.key.range) return lc.linePos(pair.key.range[0]).line;
  }
  return lineOf(doc, lc, path);
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
  // A stdio MCP server's `./server.js` means next to the config file, as `policy:` does.
  for (const server of config.mcp.servers) if ('command' in server) server.cwd = resolve(dirname(path), server.cwd ?? '.');
  return { config, file: path };
}
