/**
 * The real Codex CLI calling an MCP tool through `/mcp`: `gatehouse setup codex --write` and
 * `setup codex --mcp --write` write its config.toml (the provider, and `mcp_servers.gatehouse`
 * with `bearer_token_env_var`), the stand-in Responses upstream asks for the tool `echo` of
 * the stand-in MCP server `remote` under the name Codex offered it, Codex calls it through the
 * gateway, sends the result back, and the model answers with it. The tool call is a trace.
 * Offline, with a temp CODEX_HOME; skipped, saying why, where the binary cannot run
 * (`GATEHOUSE_TEST_CODEX=required` makes that a failure).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace, TracePage } from '../local-gateway/store/schema.js';
import { runCli } from './helpers/cli.js';
import { codexExec, codexSkipReason } from './helpers/codex.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, type TestGateway } from './helpers/gateway.js';
import { startMcpHttpStandin, type McpHttpStandin } from './standins/mcp-tools.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { MCP_ECHO_ARGS } from './standins/responses-wire.js';

const skipReason = codexSkipReason('the Codex MCP end-to-end test');

let upstream: OpenAIStandin;
let remote: McpHttpStandin;
let gw: TestGateway;
let home: string;

beforeAll(async () => {
  if (skipReason) return;
  upstream = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  remote = await startMcpHttpStandin();
  gw = await startGateway({ ...upstreamConfig(upstream.url), mcp: { servers: [{ id: 'remote', url: remote.url }] } });
  home = mkdtempSync(join(tmpdir(), 'gatehouse-codex-mcp-'));
  const port = new URL(gw.url).port;
  const env = { HOME: home, CODEX_HOME: home, GATEHOUSE_HOME: join(home, 'gh'), GATEHOUSE_TOKEN: TEST_TOKEN };
  for (const args of [['setup', 'codex', '--write', '--port', port], ['setup', 'codex', '--mcp', '--write', '--port', port]]) {
    const r = runCli(args, env);
    if (r.code !== 0) throw new Error(`gatehouse ${args.join(' ')} failed: ${r.stderr}`);
  }
  // `codex exec` never asks, so an MCP tool that needs approval fails; the user approves the server's tools (setup leaves that choice to them).
  const file = join(home, 'config.toml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('[mcp_servers.gatehouse]\n', '[mcp_servers.gatehouse]\ndefault_tools_approval_mode = "approve"\n'));
});
afterAll(async () => {
  if (skipReason) return;
  await gw?.close();
  await remote?.close();
  await upstream?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe.skipIf(skipReason !== null)('Codex CLI calling an MCP tool through /mcp', () => {
  it('calls the tool through the gateway, sends its result back to the model, and the call is a trace', { timeout: 120_000 }, async () => {
    const config = readFileSync(join(home, 'config.toml'), 'utf8');
    expect(config).toContain('[mcp_servers.gatehouse]');
    expect(config).toContain('bearer_token_env_var = "GATEHOUSE_TOKEN"');
    expect(config).not.toContain(TEST_TOKEN);

    const r = await codexExec(home, { GATEHOUSE_TOKEN: TEST_TOKEN }, 'up/mcp-tool', 'echo something', 'read-only');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('tool said:');
    expect(r.stdout).toContain('echo: from the model');

    // The model was offered the gateway's tool, and its second turn carries the tool's output.
    const turns = upstream.requests.filter((q) => q.path === '/v1/responses' && (q.body as { model: string }).model === 'mcp-tool');
    expect(turns).toHaveLength(2);
    // Codex offers an MCP server's tools inside a `namespace` tool named after the server.
    const namespace = (turns[0]!.body as { tools: { type: string; name?: string; tools?: { name: string }[] }[] }).tools.find((t) => t.type === 'namespace' && t.name === 'mcp__gatehouse');
    expect(namespace?.tools?.map((t) => t.name)).toContain('remote_echo');
    expect(JSON.stringify((turns[1]!.body as { input: unknown[] }).input.at(-1))).toContain('echo: from the model');

    const page = await gw.api<TracePage>('/api/traces?tool=remote_echo');
    expect(page.traces).toHaveLength(1);
    const t = await gw.api<Trace>(`/api/traces/${page.traces[0]!.id}`);
    expect(t).toMatchObject({ api: 'mcp', method: 'tools/call', status: 200, provider: 'remote', tool: { server: 'remote', name: 'echo', exposed: 'remote_echo' } });
    expect(t.request_body).toMatchObject({ name: 'remote_echo', arguments: JSON.parse(MCP_ECHO_ARGS) as Record<string, unknown> });
    expect(JSON.stringify(t.response_body)).toContain('echo: from the model');
    // Codex identified itself on /mcp with the same token as on /v1: the local token, never the upstream's.
    expect(remote.authorizations.every((a) => a === null || !a.includes(TEST_TOKEN))).toBe(true);
  });
});
