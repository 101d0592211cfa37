/**
 * The real Codex CLI (`@openai/codex`, a native binary shipped inside the npm package) as a
 * client: `codex exec` with a CODEX_HOME whose config.toml points a `wire_api = "responses"`
 * provider at the gateway. Once to a Responses upstream (pass-through), once to a
 * chat-completions-only upstream and once to an Anthropic Messages one (translation).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnthropicMini, type AnthropicMini } from './standins/anthropic-mini.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { runCli } from './helpers/cli.js';
import { codexExec as runCodex, codexSkipReason } from './helpers/codex.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, type TestGateway } from './helpers/gateway.js';

const skipReason = codexSkipReason('the Codex end-to-end tests');

let upstream: OpenAIStandin;
let claude: AnthropicMini;
let gw: TestGateway;
let codexHome: string;

beforeAll(async () => {
  if (skipReason) return;
  upstream = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  claude = await startAnthropicMini();
  gw = await startGateway({
    providers: [
      ...upstreamConfig(upstream.url).providers,
      // A server without /responses (Ollama speaks chat only), and Claude's own wire.
      { id: 'chat', kind: 'ollama', base_url: upstream.url, api_key: 'env:UPSTREAM_KEY' },
      { id: 'claude', kind: 'anthropic', base_url: claude.url, api_key: 'env:UPSTREAM_KEY' },
    ],
  });
  codexHome = mkdtempSync(join(tmpdir(), 'gatehouse-codex-'));
  // The config is what `gatehouse setup codex --write` writes: the e2e proves the setup too.
  const port = new URL(gw.url).port;
  const r = runCli(['setup', 'codex', '--write', '--port', port], { HOME: codexHome, CODEX_HOME: codexHome, GATEHOUSE_HOME: join(codexHome, 'gh'), GATEHOUSE_TOKEN: TEST_TOKEN });
  if (r.code !== 0) throw new Error(`gatehouse setup codex failed: ${r.stderr}`);
});
afterAll(async () => {
  if (skipReason) return;
  await gw.close();
  await upstream.close();
  await claude.close();
  rmSync(codexHome, { recursive: true, force: true });
});

const codexExec = (model: string, prompt: string, sandbox?: string) => runCodex(codexHome, { GATEHOUSE_TOKEN: TEST_TOKEN }, model, prompt, sandbox);

describe.skipIf(skipReason !== null)('Codex CLI through the gateway', () => {
  it('reaches a Responses upstream by pass-through', { timeout: 120_000 }, async () => {
    const r = await codexExec('up/gpt-4o-mini', 'say hello');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('echo: say hello');
    const sent = upstream.requests.filter((q) => q.path === '/v1/responses').at(-1)!;
    expect(sent.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, include: ['reasoning.encrypted_content'] });
    expect(readFileSync(join(codexHome, 'config.toml'), 'utf8')).toContain('wire_api = "responses"');
  });

  it('reaches a chat-completions-only upstream through responses → chat', { timeout: 120_000 }, async () => {
    const r = await codexExec('chat/gpt-4o-mini', 'say hello');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('echo: say hello');
    const sent = upstream.requests.filter((q) => q.path === '/v1/chat/completions').at(-1)!;
    expect((sent.body as { messages: { role: string }[] }).messages[0]!.role).toBe('system');
  });

  it('reaches an Anthropic Messages upstream through responses → messages', { timeout: 120_000 }, async () => {
    const r = await codexExec('claude/claude-sonnet-4-5', 'say hello');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('echo: say hello');
    expect(claude.requests.at(-1)!.body).toMatchObject({ model: 'claude-sonnet-4-5', stream: true });
  });

  // The model asks Codex to run a command; Codex runs it and sends the output back; the model answers with it.
  it('runs a tool the model asks for, pass-through, and sends its output back', { timeout: 120_000 }, async () => {
    const r = await codexExec('up/agent-tool', 'run the check', 'danger-full-access');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/tool said: [\s\S]*gatehouse-tool-ok/);
    const calls = upstream.requests.filter((q) => q.path === '/v1/responses' && (q.body as { model: string }).model === 'agent-tool');
    expect(calls).toHaveLength(2);
    const items = (calls[1]!.body as { input: { type: string; name?: string }[] }).input;
    expect(items.filter((i) => i.type === 'function_call').map((i) => i.name)).toEqual(['exec_command']);
    expect(items.at(-1)!.type).toBe('function_call_output');
  });

  it('runs a tool Claude asks for through responses → messages, thinking replayed with its signature', { timeout: 120_000 }, async () => {
    const before = claude.requests.length;
    const r = await codexExec('claude/agent-tool', 'run the check', 'danger-full-access');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/tool said: [\s\S]*gatehouse-tool-ok/);
    const second = claude.requests.slice(before)[1]!.body as { messages: { role: string; content: { type: string; signature?: string }[] }[] };
    const assistant = second.messages.find((m) => m.role === 'assistant')!;
    expect(assistant.content.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
    expect(assistant.content[0]!.signature).toBe('EqQBCgIYAhIMsig');
    expect(second.messages.at(-1)!.content[0]!.type).toBe('tool_result');
  });
});
