/**
 * Merges Gatehouse's settings into the files IDE agents read, keeping everything else the
 * user has there: JSON (Claude Code), TOML (Codex, edited line by line so comments and
 * other providers survive), YAML (Continue, through the `yaml` document model, comments kept).
 */
import YAML from 'yaml';
import { CommandError } from './args.js';

/** Sets keys of the `env` object in Claude Code's settings.json. */
export function mergeClaudeSettings(current: string | null, path: string, env: Record<string, string>): string {
  let settings: Record<string, unknown> = {};
  if (current !== null && current.trim() !== '') {
    try {
      settings = JSON.parse(current) as Record<string, unknown>;
    } catch {
      throw new CommandError(`${path} is not valid JSON: fix it (or move it aside) and run the command again.`);
    }
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) throw new CommandError(`${path} is not a JSON object: fix it (or move it aside) and run the command again.`);
  }
  const prev = settings.env;
  settings.env = { ...(typeof prev === 'object' && prev !== null && !Array.isArray(prev) ? prev : {}), ...env };
  return `${JSON.stringify(settings, null, 2)}\n`;
}

const tomlValue = (v: string) => JSON.stringify(v);
const isHeader = (line: string) => /^\s*\[/.test(line);

/**
 * Sets top-level keys and replaces one table in a TOML text. Top-level keys must come before
 * the first table header, so they are set or inserted there; the table is removed wherever
 * it was and written at the end.
 */
export function mergeToml(current: string | null, top: Record<string, string>, table: string, entries: Record<string, string>): string {
  let lines = (current ?? '').split('\n');
  const header = `[${table}]`;
  const start = lines.findIndex((l) => l.trim() === header);
  if (start !== -1) {
    let end = lines.findIndex((l, i) => i > start && isHeader(l));
    if (end === -1) end = lines.length;
    lines = [...lines.slice(0, start), ...lines.slice(end)];
  }
  for (const [key, value] of Object.entries(top)) {
    let firstHeader = lines.findIndex(isHeader);
    if (firstHeader === -1) firstHeader = lines.length;
    const at = lines.slice(0, firstHeader).findIndex((l) => new RegExp(`^\\s*${key}\\s*=`).test(l));
    const line = `${key} = ${tomlValue(value)}`;
    if (at !== -1) lines[at] = line;
    else {
      // After the last top-level line that says something, so the key stays with its peers.
      let insertAt = firstHeader;
      while (insertAt > 0 && lines[insertAt - 1]!.trim() === '') insertAt--;
      lines.splice(insertAt, 0, line);
    }
  }
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
  const section = [header, ...Object.entries(entries).map(([k, v]) => `${k} = ${tomlValue(v)}`)];
  return `${[...lines, ...(lines.length > 0 ? [''] : []), ...section].join('\n')}\n`;
}

export interface ContinueModel {
  name: string;
  provider: 'openai';
  model: string;
  apiBase: string;
  apiKey: string;
  roles: string[];
}

/** Names of the entries Gatehouse writes, so a second run replaces them instead of adding more. */
export const CONTINUE_PREFIX = 'Gatehouse ';

/** Replaces Gatehouse's model entries in Continue's config.yaml; every other entry and comment stays. */
export function mergeContinueYaml(current: string | null, path: string, models: ContinueModel[]): string {
  const doc = current !== null && current.trim() !== '' ? YAML.parseDocument(current) : new YAML.Document({ name: 'Local Assistant', version: '1.0.0', schema: 'v1', models: [] });
  if (doc.errors.length > 0) throw new CommandError(`${path} is not valid YAML (${doc.errors[0]!.message.split('\n')[0]}): fix it and run the command again.`);
  let list = doc.get('models');
  if (!YAML.isSeq(list)) {
    doc.set('models', doc.createNode([]));
    list = doc.get('models');
  }
  const seq = list as YAML.YAMLSeq;
  seq.items = seq.items.filter((item) => !(YAML.isMap(item) && String(item.get('name') ?? '').startsWith(CONTINUE_PREFIX)));
  for (const m of models) seq.items.push(doc.createNode(m));
  return doc.toString();
}
