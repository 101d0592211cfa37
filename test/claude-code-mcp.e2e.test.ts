/**
 * The real Claude Code CLI (`@anthropic-ai/claude-code`, `-p`) using a tool through `/mcp`:
 * its MCP client lists the gateway's tools, the stand-in model asks for
 * `mcp__gatehouse__files_echo`, Claude Code calls it through the gateway, and the call is a
 * trace. Offline, with a temp HOME; skipped, saying why, where the CLI cannot run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TracePage } from '../local-gateway/store/schema.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { startAnthropicStandin, type AnthropicStandin } from './standins/anthropic-upstream.js';
import { MCP_TOOL } from './standins/anthropic-wire.js';
import { STANDIN_SCRIPT } from './standins/mcp-tools.js';

function findClaude(): { wrapper: string } | { reason: string } {
  let wrapper: string;
  try {
    wrapper = join(dirname(createRequire(import.meta.url).resolve('@anthropic-ai/claude-code/package.json')), 'cli-wrapper.cjs');
  } catch {
    return { reason: '@anthropic-ai/claude-code is not installed (npm ci installs it as a devDependency)' };
  }
  if (!existsSync(wrapper)) return { reason: `${wrapper} is missing: this @anthropic-ai/claude-code version has no cli-wrapper.cjs` };
  const probe = spawnSync(process.execPath, [wrapper, '--version'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.status !== 0) return { reason: `claude --version failed: ${(probe.stderr || probe.stdout).trim().split('\n')[0]}` };
  return { wrapper };
}

const claudeCli = findClaude();
if ('reason' in claudeCli) console.log(`[skip] Claude Code MCP e2e: ${claudeCli.reason}`);

let up: AnthropicStandin;
let gw: TestGateway;
let home: string;

beforeAll(async () => {
  up = await startAnthropicStandin({ apiKey: UPSTREAM_KEY });
  gw = await startGateway({
    providers: [{ id: 'claude', kind: 'anthropic', base_url: up.url, api_key: 'env:UPSTREAM_KEY' }],
    mcp: { servers: [{ id: 'files', command: [process.execPath, '--import', 'tsx', STANDIN_SCRIPT] }] },
  });
  home = mkdtempSync(join(tmpdir(), 'gatehouse-claude-mcp-'));
  // The stdio server is up before Claude Code connects: `claude -p` does not wait for a server still "pending".
  await (await gw.app.mcp.load()).catalogue.list();
});
afterAll(async () => {
  await gw?.close();
  await up?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

function runClaude(wrapper: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const mcpConfig = JSON.stringify({ mcpServers: { gatehouse: { type: 'http', url: `${gw.url}/mcp`, headers: { Authorization: `Bearer ${TEST_TOKEN}` } } } });
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    ANTHROPIC_BASE_URL: gw.url,
    ANTHROPIC_API_KEY: TEST_TOKEN,
    ANTHROPIC_MODEL: 'claude/mcp-then-answer',
    ANTHROPIC_SMALL_FAST_MODEL: 'claude/mcp-then-answer',
    ANTHROPIC_DEFAULT_HAIKU_MODEL: 'claude/mcp-then-answer',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    ENABLE_TOOL_SEARCH: 'false',
  };
  const args = [wrapper, '-p', 'echo through the tool', '--output-format', 'stream-json', '--verbose', '--mcp-config', mcpConfig, '--strict-mcp-config', '--allowedTools', MCP_TOOL];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf('reason' in claudeCli)('Claude Code tools through /mcp', () => {
  const wrapper = 'wrapper' in claudeCli ? claudeCli.wrapper : '';

  it('lists the gateway tools and calls one through it', { timeout: 120_000 }, async () => {
    const run = await runClaude(wrapper);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    // stream-json: one event per line, the last the result (the MCP servers' state is in the first, `init`).
    const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; mcp_servers?: unknown });
    expect(events[0]).toMatchObject({ type: 'system', mcp_servers: [{ name: 'gatehouse', status: 'connected' }] });
    const result = events.at(-1) as unknown as { is_error: boolean; result: string };
    expect(result).toMatchObject({ is_error: false, result: expect.stringContaining('tool said: echo: from claude') });
    // The model saw the tool under Claude Code's MCP name: the gateway listed it.
    const first = up.requests.find((r) => (r.body as { model?: string }).model === 'mcp-then-answer')!;
    expect(JSON.stringify((first.body as { tools?: unknown }).tools)).toContain(MCP_TOOL);
    const page = await gw.api<TracePage>('/api/traces?tool=files_echo');
    expect(page.traces[0]).toMatchObject({ api: 'mcp', status: 200, tool: { server: 'files', name: 'echo' }, ask: 'files_echo({"text":"from claude"})' });
  });
});
