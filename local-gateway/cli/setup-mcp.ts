/**
 * `gatehouse setup <tool> --mcp`: points an agent's MCP client at the gateway's `/mcp`, in the
 * file and shape each one reads, so its tools go through Gatehouse. The local token is the
 * only credential written; the upstream servers' own credentials stay in gatehouse.yaml.
 */
import { join } from 'node:path';
import YAML from 'yaml';
import { CommandError } from './args.js';
import { mergeToml } from './setup-files.js';

/** The name the gateway is installed under in every client: Claude Code then calls a tool `mcp__gatehouse__<server>_<tool>`. */
export const MCP_NAME = 'gatehouse';

export interface McpSetupInput {
  origin: string;
  token: string;
  home: string;
  env: NodeJS.ProcessEnv;
}

export interface McpSetupPlan {
  title: string;
  url: string;
  path: string;
  /** What to export where the tool runs, when its file names a variable rather than the token. */
  env: Record<string, string>;
  merge(current: string | null): string;
  notes: string[];
}

function parseJsonObject(current: string | null, path: string): Record<string, unknown> {
  if (current === null || current.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(current);
  } catch {
    throw new CommandError(`${path} is not valid JSON: fix it (or move it aside) and run the command again.`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CommandError(`${path} is not a JSON object: fix it (or move it aside) and run the command again.`);
  return v as Record<string, unknown>;
}

/** Sets `mcpServers.gatehouse` in a JSON file (Claude Code's ~/.claude.json, Cursor's mcp.json), keeping every other key and server. */
export function mergeMcpJson(current: string | null, path: string, entry: Record<string, unknown>): string {
  const doc = parseJsonObject(current, path);
  const servers = doc.mcpServers;
  doc.mcpServers = { ...(typeof servers === 'object' && servers !== null && !Array.isArray(servers) ? servers : {}), [MCP_NAME]: entry };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Replaces the Gatehouse entry of Continue's `mcpServers` list; every other entry and comment stays. */
export function mergeContinueMcp(current: string | null, path: string, entry: Record<string, unknown>): string {
  const doc = current !== null && current.trim() !== '' ? YAML.parseDocument(current) : new YAML.Document({ name: 'Local Assistant', version: '1.0.0', schema: 'v1' });
  if (doc.errors.length > 0) throw new CommandError(`${path} is not valid YAML (${doc.errors[0]!.message.split('\n')[0]}): fix it and run the command again.`);
  let list = doc.get('mcpServers');
  if (!YAML.isSeq(list)) {
    doc.set('mcpServers', doc.createNode([]));
    list = doc.get('mcpServers');
  }
  const seq = list as YAML.YAMLSeq;
  seq.items = seq.items.filter((item) => !(YAML.isMap(item) && item.get('name') === 'Gatehouse'));
  seq.items.push(doc.createNode(entry));
  return doc.toString();
}

export const MCP_PLANS = {
  'claude-code': ({ origin, token, home }: McpSetupInput): McpSetupPlan => {
    const path = join(home, '.claude.json');
    const entry = { type: 'http', url: `${origin}/mcp`, headers: { Authorization: `Bearer ${token}` } };
    return {
      title: 'Claude Code',
      url: `${origin}/mcp`,
      path,
      env: {},
      merge: (c) => mergeMcpJson(c, path, entry),
      notes: [`Installed for every project (user scope) as "${MCP_NAME}": \`claude mcp list\` shows it; its tools are mcp__${MCP_NAME}__<server>_<tool>.`],
    };
  },
  codex: ({ origin, env, home }: McpSetupInput): McpSetupPlan => {
    const path = join(env.CODEX_HOME || join(home, '.codex'), 'config.toml');
    const table = { url: `${origin}/mcp`, bearer_token_env_var: 'GATEHOUSE_TOKEN' };
    return {
      title: 'Codex CLI',
      url: `${origin}/mcp`,
      path,
      env: { GATEHOUSE_TOKEN: '<token>' },
      merge: (c) => mergeToml(c, {}, `mcp_servers.${MCP_NAME}`, table),
      notes: ['Codex reads the token from GATEHOUSE_TOKEN (bearer_token_env_var), so config.toml never holds it.'],
    };
  },
  cursor: ({ origin, token, home }: McpSetupInput): McpSetupPlan => {
    const path = join(home, '.cursor', 'mcp.json');
    const entry = { url: `${origin}/mcp`, headers: { Authorization: `Bearer ${token}` } };
    return {
      title: 'Cursor',
      url: `${origin}/mcp`,
      path,
      env: {},
      merge: (c) => mergeMcpJson(c, path, entry),
      notes: ['Cursor runs MCP clients on this machine, so unlike its custom models it reaches 127.0.0.1.'],
    };
  },
  continue: ({ origin, token, home }: McpSetupInput): McpSetupPlan => {
    const path = join(home, '.continue', 'config.yaml');
    const entry = { name: 'Gatehouse', type: 'streamable-http', url: `${origin}/mcp`, requestOptions: { headers: { Authorization: `Bearer ${token}` } } };
    return { title: 'Continue', url: `${origin}/mcp`, path, env: {}, merge: (c) => mergeContinueMcp(c, path, entry), notes: ['Continue uses MCP tools in agent mode.'] };
  },
} as const;
