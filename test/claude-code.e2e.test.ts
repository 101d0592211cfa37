/**
 * The real Claude Code CLI (`@anthropic-ai/claude-code`, non-interactive `-p`) as the client:
 * through the gateway to an Anthropic-wire upstream (pass-through) and to an OpenAI-wire
 * upstream (translation), offline, with a temp HOME and non-essential traffic off.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TracePage } from '../local-gateway/store/schema.js';
import { bothProviders } from './helpers/anthropic.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, type TestGateway } from './helpers/gateway.js';
import { startAnthropicStandin, type AnthropicStandin } from './standins/anthropic-upstream.js';
import { BASH_COMMAND } from './standins/anthropic-wire.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';

/** The CLI's launcher, or why it cannot run here. */
function findClaude(): { wrapper: string } | { reason: string } {
  let wrapper: string;
  try {
    wrapper = join(dirname(createRequire(import.meta.url).resolve('@anthropic-ai/claude-code/package.json')), 'cli-wrapper.cjs');
  } catch {
    return { reason: '@anthropic-ai/claude-code is not installed (npm ci installs it as a devDependency)' };
  }
  if (!existsSync(wrapper)) return { reason: `${wrapper} is missing: this @anthropic-ai/claude-code version has no cli-wrapper.cjs` };
  const probe = spawnSync(process.execPath, [wrapper, '--version'], { encoding: 'utf8', timeout: 30_000 });
  if (probe.status !== 0) return { reason: `claude --version failed (its native binary package for ${process.platform}-${process.arch} is missing?): ${(probe.stderr || probe.stdout).trim().split('\n')[0]}` };
  return { wrapper };
}

const claudeCli = findClaude();
if ('reason' in claudeCli) console.log(`[skip] Claude Code e2e: ${claudeCli.reason}`);

interface ClaudeResult {
  type: string;
  is_error: boolean;
  result: string;
}

let anthropicUp: AnthropicStandin;
let openaiUp: OpenAIStandin;
let gw: TestGateway;
let home: string;

beforeAll(async () => {
  anthropicUp = await startAnthropicStandin({ apiKey: UPSTREAM_KEY });
  openaiUp = await startOpenAIStandin({ apiKey: UPSTREAM_KEY });
  gw = await startGateway(bothProviders(anthropicUp.url, openaiUp.url));
  home = mkdtempSync(join(tmpdir(), 'gatehouse-claude-home-'));
});
afterAll(async () => {
  await gw?.close();
  await anthropicUp?.close();
  await openaiUp?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** Runs `claude -p "say hello" --output-format json` against the gateway with only the env it needs. */
function runClaude(wrapper: string, model: string, extraArgs: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    ANTHROPIC_BASE_URL: gw.url,
    ANTHROPIC_API_KEY: TEST_TOKEN,
    ANTHROPIC_MODEL: model,
    // Background calls (titles, summaries) go to the "small fast" model: the same one here.
    ANTHROPIC_SMALL_FAST_MODEL: model,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: model,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wrapper, '-p', 'say hello', '--output-format', 'json', ...extraArgs], { env, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function lastTrace() {
  return (await gw.api<TracePage>('/api/traces?limit=1')).traces[0]!;
}

describe.skipIf('reason' in claudeCli)('Claude Code through the gateway', () => {
  const wrapper = 'wrapper' in claudeCli ? claudeCli.wrapper : '';

  it('answers from an Anthropic-wire upstream (pass-through)', { timeout: 120_000 }, async () => {
    const run = await runClaude(wrapper, 'claude/claude-sonnet-4-5');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as ClaudeResult;
    expect(result).toMatchObject({ type: 'result', is_error: false });
    expect(result.result).toMatch(/^echo: [\s\S]*say hello$/);
    const req = anthropicUp.requests.find((r) => (r.body as { model?: string } | undefined)?.model === 'claude-sonnet-4-5')!;
    expect(req.headers['x-api-key']).toBe(UPSTREAM_KEY);
    expect(req.headers['anthropic-beta']).toBeTruthy();
    expect(await lastTrace()).toMatchObject({ api: 'messages', provider: 'claude', status: 200, stream: true, error_code: null });
  });

  it.each([
    ['an Anthropic-wire upstream', 'claude/bash-then-answer'],
    ['an OpenAI-wire upstream', 'up/bash-then-answer'],
  ])('runs a tool the model asked for and sends its result back (an agent turn) on %s', { timeout: 120_000 }, async (_, model) => {
    const run = await runClaude(wrapper, model, ['--allowedTools', `Bash(${BASH_COMMAND})`]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as ClaudeResult;
    expect(result).toMatchObject({ type: 'result', is_error: false, result: expect.stringContaining('tool said: gatehouse-tool-ok') });
    const upstream = model.startsWith('claude/') ? anthropicUp.requests : openaiUp.requests;
    const turns = upstream.filter((r) => (r.body as { model?: string } | undefined)?.model === 'bash-then-answer');
    expect(turns.length).toBeGreaterThanOrEqual(2);
    // The tool's output went back to the model: as a tool_result block, or as a tool message.
    const lastTurn = JSON.stringify((turns.at(-1)!.body as { messages: unknown[] }).messages.at(-1));
    expect(lastTurn).toMatch(/"type":"tool_result"|"role":"tool"/);
    expect(lastTurn).toContain('gatehouse-tool-ok');
  });

  it('answers from an OpenAI-wire upstream (translation)', { timeout: 120_000 }, async () => {
    const run = await runClaude(wrapper, 'up/gpt-4o-mini');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as ClaudeResult;
    expect(result).toMatchObject({ type: 'result', is_error: false });
    expect(result.result).toMatch(/^echo: [\s\S]*say hello$/);
    const req = openaiUp.requests.find((r) => (r.body as { model?: string } | undefined)?.model === 'gpt-4o-mini')!;
    expect(req.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true } });
    expect(await lastTrace()).toMatchObject({ api: 'messages', provider: 'up', status: 200, stream: true, error_code: null });
  });
});
