/**
 * Proves the stand-in speaks Anthropic's Messages wire format by pointing the official
 * `@anthropic-ai/sdk` straight at it: if the SDK parses, assembles and raises errors as it
 * does against api.anthropic.com, the gateway's tests exercise the real format.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sseEvents } from '../helpers/sse.js';
import { startAnthropicStandin, type AnthropicStandin } from './anthropic-upstream.js';
import { THINKING_SIGNATURE, WEATHER_INPUT } from './anthropic-wire.js';

let standin: AnthropicStandin;
let client: Anthropic;

beforeAll(async () => {
  standin = await startAnthropicStandin({ apiKey: 'sk-ant-test' });
  client = new Anthropic({ baseURL: standin.url, apiKey: 'sk-ant-test', maxRetries: 0 });
});
afterAll(async () => {
  await standin.close();
});

const hello = [{ role: 'user' as const, content: 'hello brave new world' }];

describe('Anthropic stand-in, with the official SDK', () => {
  it('answers a message with Anthropic ids, stop reason and usage', async () => {
    const msg = await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: hello });
    expect(msg).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: 'echo: hello brave new world' }], stop_reason: 'end_turn', stop_sequence: null });
    expect(msg.id).toMatch(/^msg_01[A-Za-z0-9]{22}$/);
    expect(msg.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 5 });
  });

  it('streams events in the API order: message_start, ping, blocks, message_delta, message_stop', async () => {
    await client.messages.create({ model: 'tool-use', max_tokens: 50, stream: true, messages: hello });
    const names = sseEvents(standin.requests.at(-1)!.sent).map((e) => e.event);
    expect(names.slice(0, 3)).toEqual(['message_start', 'ping', 'content_block_start']);
    expect(names.slice(-2)).toEqual(['message_delta', 'message_stop']);
    const msg = await client.messages.stream({ model: 'tool-use', max_tokens: 50, messages: hello }).finalMessage();
    expect(msg.content[1]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: WEATHER_INPUT });
    expect(msg.stop_reason).toBe('tool_use');
  });

  it('streams signed thinking before the text', async () => {
    const msg = await client.messages.stream({ model: 'thinking', max_tokens: 2000, messages: hello }).finalMessage();
    expect(msg.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(msg.content[0]).toMatchObject({ signature: THINKING_SIGNATURE });
  });

  it('refuses a wrong key, a missing anthropic-version, and rate-limits with retry-after', async () => {
    await expect(new Anthropic({ baseURL: standin.url, apiKey: 'wrong', maxRetries: 0 }).messages.create({ model: 'm', max_tokens: 1, messages: hello })).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    const res = await fetch(`${standin.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'sk-ant-test', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', max_tokens: 1, messages: hello }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } });
    const err = (await client.messages.create({ model: 'rate-limit', max_tokens: 1, messages: hello }).catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect(err.headers?.get('retry-after')).toBe('7');
  });

  it('fails mid-stream with an overloaded_error the SDK raises', async () => {
    const stream = await client.messages.create({ model: 'overloaded-in-stream', max_tokens: 10, stream: true, messages: hello });
    const err = await (async () => {
      for await (const _ of stream) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(String(err)).toContain('Overloaded');
  });

  it('counts tokens and lists models', async () => {
    expect((await client.messages.countTokens({ model: 'm', messages: hello })).input_tokens).toBeGreaterThan(0);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('claude-sonnet-4-5');
  });
});

describe('as its own process', () => {
  it('prints one `listening <url>` line, serves, and exits 0 on SIGTERM', async () => {
    const script = fileURLToPath(new URL('./anthropic-upstream.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      expect(line).toMatch(/^listening http:\/\/127\.0\.0\.1:\d+$/);
      const msg = await new Anthropic({ baseURL: line.slice('listening '.length), apiKey: 'any', maxRetries: 0 }).messages.create({ model: 'm', max_tokens: 10, messages: hello });
      expect(msg.content).toEqual([{ type: 'text', text: 'echo: hello brave new world' }]);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
