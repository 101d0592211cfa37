import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { ensureHome, localToken, readRuntime } from '../core/home.js';
import type { ProviderConfig } from '../providers/registry.js';
import { parse, resolveHome, resolvePort, UsageError } from './args.js';
import { cliConfig } from './config-file.js';
import { CONTINUE_PREFIX, mergeClaudeSettings, mergeContinueYaml, mergeToml } from './setup-files.js';
import { MCP_PLANS } from './setup-mcp.js';

export const SETUP_TOOLS = ['claude-code', 'codex', 'cursor', 'continue'] as const;
type Tool = (typeof SETUP_TOOLS)[number];

export const SETUP_HELP = `Usage: gatehouse setup <claude-code | codex | cursor | continue> [options]

  --model M[,M…]   The model(s) the tool asks for, as <provider>/<model>
  --port P         The gateway's port (default: the running gateway's, else GATEHOUSE_PORT or 4141)
  --write          Merge the settings into the file the tool reads, after printing the diff,
                   keeping a backup beside it (Cursor keeps its settings where nothing can write them)
  --mcp            Point the tool's MCP client at the gateway's /mcp instead (its tools then go
                   through Gatehouse): ~/.claude.json, ~/.codex/config.toml, ~/.cursor/mcp.json or
                   ~/.continue/config.yaml; with --write, merged in the same way
  --json           The same as JSON

Without --write it prints the settings, with the local token, to set by hand.
`;

/** A file the tool reads, and how Gatehouse's settings merge into what is there. */
interface SettingsFile {
  path: string;
  merge(current: string | null): string;
}

/** Everything that points one tool at the gateway. */
export interface SetupPlan {
  tool: Tool;
  title: string;
  base_url: string;
  /** Environment variables the tool reads. */
  env: Record<string, string>;
  /** True when the written file carries `env` itself; else the user still exports it. */
  envInFile: boolean;
  /** What to paste, for tools configured by hand or by a file (shown without --write). */
  snippet: string | null;
  steps: string[];
  notes: string[];
  files: SettingsFile[];
}

/** A model the gateway serves, for a tool whose own default (a claude-… name) it would not: with the reason, to print. */
export function defaultModel(providers: readonly Pick<ProviderConfig, 'id' | 'models'>[]): { model: string; why: string } {
  const listed = providers.find((p) => p.models.length > 0);
  if (listed) return { model: `${listed.id}/${listed.models[0]!}`, why: `the first model the config lists (provider ${listed.id})` };
  return { model: 'demo/echo', why: 'the built-in demo model, since no provider in the config lists its models' };
}

interface PlanInput {
  origin: string;
  token: string;
  models: string[];
  /** What stands in when no --model is given, and why. */
  fallback: { model: string; why: string };
  env: NodeJS.ProcessEnv;
  home: string;
}

function claudeCode({ origin, token, models, fallback, home }: PlanInput): SetupPlan {
  // Claude Code's own model names (claude-sonnet-…, and claude-haiku-… for its background calls)
  // reach no provider on most gateways, and `claude -p` then fails: always name one it serves.
  const model = models[0] ?? fallback.model;
  const env: Record<string, string> = { ANTHROPIC_BASE_URL: origin, ANTHROPIC_AUTH_TOKEN: token, ANTHROPIC_MODEL: model, ANTHROPIC_DEFAULT_HAIKU_MODEL: models[1] ?? model };
  const path = join(home, '.claude', 'settings.json');
  return {
    tool: 'claude-code',
    title: 'Claude Code',
    base_url: origin,
    env,
    envInFile: true,
    snippet: null,
    steps: [
      ...(models[0] ? [] : [`No --model given: using ${fallback.model}, ${fallback.why}; pick another with --model <provider>/<model>.`]),
      `Export these in the shell that runs \`claude\`, or put them under "env" in ${path} (--write does that):`,
    ],
    notes: [
      'ANTHROPIC_AUTH_TOKEN is sent as a bearer token; unset ANTHROPIC_API_KEY so Claude Code does not send both.',
      'ANTHROPIC_DEFAULT_HAIKU_MODEL is the model of Claude Code\'s background calls (titles, summaries); --model main,background sets it apart.',
    ],
    files: [{ path, merge: (current) => mergeClaudeSettings(current, path, env) }],
  };
}

function codex({ origin, token, models, fallback, env: procEnv, home }: PlanInput): SetupPlan {
  const codexHome = procEnv.CODEX_HOME || join(home, '.codex');
  const path = join(codexHome, 'config.toml');
  // Codex's own default (a gpt-5 name) is served by no provider of a fresh install.
  const top: Record<string, string> = { model_provider: 'gatehouse', model: models[0] ?? fallback.model };
  const table = { name: 'Gatehouse', base_url: `${origin}/v1`, env_key: 'GATEHOUSE_TOKEN', wire_api: 'responses' };
  return {
    tool: 'codex',
    title: 'Codex CLI',
    base_url: `${origin}/v1`,
    env: { GATEHOUSE_TOKEN: token },
    envInFile: false,
    snippet: mergeToml(null, top, 'model_providers.gatehouse', table).trimEnd(),
    steps: [
      ...(models[0] ? [] : [`No --model given: using ${fallback.model}, ${fallback.why}; pick another with --model <provider>/<model>.`]),
      `Put this in ${path} (--write merges it in), and export GATEHOUSE_TOKEN where codex runs:`,
    ],
    notes: [
      'Codex speaks the Responses API; models on providers without it (Anthropic, chat-only servers) are translated by the gateway.',
      'Pick a model with `codex -m <provider>/<model>` or `model = "…"` in config.toml (--model sets it).',
    ],
    files: [{ path, merge: (current) => mergeToml(current, top, 'model_providers.gatehouse', table) }],
  };
}

function cursor({ origin, token, models, fallback }: PlanInput): SetupPlan {
  return {
    tool: 'cursor',
    title: 'Cursor',
    base_url: `${origin}/v1`,
    env: {},
    envInFile: false,
    snippet: null,
    steps: [
      'Cursor Settings → Models → API Keys:',
      `  OpenAI API Key:            ${token}`,
      `  Override OpenAI Base URL:  ${origin}/v1`,
      `Then add the model names under Models → "Add model", e.g. ${models[0] ?? fallback.model}, and turn off the models you do not route through Gatehouse.`,
    ],
    notes: [
      'Cursor sends custom-key requests from its own servers, which cannot reach 127.0.0.1: it needs the gateway published through a tunnel, and Gatehouse refuses requests whose Host is not loopback, so Cursor works only where its requests come from this machine.',
      'Tab completion and some agent features always use Cursor\'s own models; only chat with a custom model goes through the override.',
      'Cursor keeps these settings in its own database: there is no file for --write to change.',
    ],
    files: [],
  };
}

function continueDev({ origin, token, models, fallback, home }: PlanInput): SetupPlan {
  const path = join(home, '.continue', 'config.yaml');
  const entries = (models.length > 0 ? models : [fallback.model]).map((model) => ({
    name: `${CONTINUE_PREFIX}${model}`,
    provider: 'openai' as const,
    model,
    apiBase: `${origin}/v1`,
    apiKey: token,
    roles: ['chat', 'edit', 'apply'],
  }));
  return {
    tool: 'continue',
    title: 'Continue',
    base_url: `${origin}/v1`,
    env: {},
    envInFile: false,
    snippet: mergeContinueYaml(null, path, entries).trimEnd(),
    steps: [`Add these model entries to ${path} (--write merges them in, replacing earlier Gatehouse entries):`],
    notes: ['Name several models with --model a,b; each becomes one entry Continue can pick.'],
    files: [{ path, merge: (current) => mergeContinueYaml(current, path, entries) }],
  };
}

const PLANS: Record<Tool, (input: PlanInput) => SetupPlan> = { 'claude-code': claudeCode, codex, cursor, continue: continueDev };

function render(plan: SetupPlan): string {
  const lines = [`${plan.title} → Gatehouse at ${plan.base_url}`, '', ...plan.steps];
  for (const [k, v] of Object.entries(plan.env)) lines.push(`  export ${k}=${v}`);
  if (plan.snippet) lines.push('', plan.snippet);
  if (plan.notes.length > 0) lines.push('', 'Notes:', ...plan.notes.map((n) => `  - ${n}`));
  return `${lines.join('\n')}\n`;
}

/**
 * What `gatehouse setup <tool>` prints, for no particular model. The dashboard shows it with
 * `<token>` as the token, so the page never holds a secret it did not need.
 */
export function setupText(tool: Tool, origin: string, token: string, env: NodeJS.ProcessEnv, providers: readonly Pick<ProviderConfig, 'id' | 'models'>[] = []): string {
  return render(PLANS[tool]({ origin, token, models: [], fallback: defaultModel(providers), env, home: homedir() }));
}

interface Written {
  path: string;
  changed: boolean;
  backup: string | null;
  diff: string;
}

/** Merges into one file: shows the diff, keeps a backup of what was there, writes readable by the user only (it holds the token). */
function apply(file: SettingsFile): Written {
  const current = existsSync(file.path) ? readFileSync(file.path, 'utf8') : null;
  const next = file.merge(current);
  if (next === current) return { path: file.path, changed: false, backup: null, diff: '' };
  const diff = createTwoFilesPatch(file.path, file.path, current ?? '', next, current === null ? '(new file)' : 'before', 'after');
  let backup: string | null = null;
  if (current !== null) {
    backup = `${file.path}.gatehouse-backup-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    copyFileSync(file.path, backup);
  }
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, next, { mode: 0o600 });
  return { path: file.path, changed: true, backup, diff };
}

/** `gatehouse setup <tool> [--write] [--model M] [--port P]`: points an IDE agent at this gateway. */
export async function setup(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { write: { type: 'boolean', default: false }, mcp: { type: 'boolean', default: false }, model: { type: 'string' }, port: { type: 'string', short: 'p' } });
  const tool = positionals[0] as Tool | undefined;
  if (!tool || !SETUP_TOOLS.includes(tool) || positionals.length > 1) {
    throw new UsageError(`Name one tool to set up: gatehouse setup ${SETUP_TOOLS.join('|')} [--write] [--model <provider>/<model>].`);
  }
  const paths = ensureHome(resolveHome(values.home));
  // The port the gateway runs on, when one runs; else the one it will start on.
  const port = values.port !== undefined || process.env.GATEHOUSE_PORT ? resolvePort(values.port) : (readRuntime(paths)?.port ?? resolvePort(undefined));
  const token = localToken(paths)!.value;
  if (values.mcp) return setupMcp(tool, `http://127.0.0.1:${port}`, token, values.write, values.json);
  const models = (values.model ?? '').split(',').map((m) => m.trim()).filter(Boolean);
  const fallback = defaultModel(cliConfig(values).config.providers);
  const plan = PLANS[tool]({ origin: `http://127.0.0.1:${port}`, token, models, fallback, env: process.env, home: homedir() });
  if (!values.write) {
    const { files, ...shown } = plan;
    process.stdout.write(values.json ? `${JSON.stringify({ ...shown, files: files.map((f) => f.path) })}\n` : render(plan));
    return;
  }
  const written = plan.files.map(apply);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ tool, written: written.map(({ diff: _diff, ...w }) => w), env: plan.env })}\n`);
    return;
  }
  if (written.length === 0) {
    process.stdout.write(`${render(plan)}\n${plan.title} keeps its settings where Gatehouse cannot write them: enter the values above by hand.\n`);
    return;
  }
  for (const w of written) {
    if (!w.changed) process.stdout.write(`${w.path} already points at Gatehouse; nothing to change.\n`);
    else process.stdout.write(`${w.diff}\nWrote ${w.path}${w.backup ? ` (the previous version is in ${w.backup})` : ''}.\n`);
  }
  const exports = plan.envInFile ? [] : Object.entries(plan.env);
  if (exports.length > 0) process.stdout.write(`Also export where ${plan.title} runs:\n${exports.map(([k, v]) => `  export ${k}=${v}`).join('\n')}\n`);
}

/** `setup <tool> --mcp`: the tool's MCP client to `/mcp`, printed, or merged with the same diff and backup as the model settings. */
function setupMcp(tool: Tool, origin: string, token: string, write: boolean, json: boolean): void {
  const plan = MCP_PLANS[tool]({ origin, token, home: homedir(), env: process.env });
  const env = Object.fromEntries(Object.entries(plan.env).map(([k, v]) => [k, v === '<token>' ? token : v]));
  const exports = Object.entries(env).map(([k, v]) => `  export ${k}=${v}`);
  if (!write) {
    const text = plan.merge(null).trimEnd();
    if (json) process.stdout.write(`${JSON.stringify({ tool, mcp: true, url: plan.url, file: plan.path, env, snippet: text })}\n`);
    else process.stdout.write(`${plan.title} tools → Gatehouse at ${plan.url}\n\nMerge this into ${plan.path} (--write does it):\n\n${text}\n${exports.length ? `\nAnd export where ${plan.title} runs:\n${exports.join('\n')}\n` : ''}\nNotes:\n${plan.notes.map((n) => `  - ${n}`).join('\n')}\n`);
    return;
  }
  const w = apply({ path: plan.path, merge: plan.merge });
  if (json) {
    process.stdout.write(`${JSON.stringify({ tool, mcp: true, written: [{ path: w.path, changed: w.changed, backup: w.backup }], env })}\n`);
    return;
  }
  if (!w.changed) process.stdout.write(`${w.path} already points at Gatehouse; nothing to change.\n`);
  else process.stdout.write(`${w.diff}\nWrote ${w.path}${w.backup ? ` (the previous version is in ${w.backup})` : ''}.\n`);
  if (exports.length > 0) process.stdout.write(`Also export where ${plan.title} runs:\n${exports.join('\n')}\n`);
}
