/**
 * Proves the stand-in speaks OpenAI's wire format by pointing the official `openai` SDK
 * straight at it: if the SDK parses, reassembles and raises errors as it does against
 * api.openai.com, the gateway's integration tests exercise the real format.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { RateLimitError } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { startOpenAIStandin } from './openai-upstream.js';
import type { OpenAIStandin, RecordedRequest } from './openai-upstream.js';
import { embeddingOf } from './openai-wire.js';

let standin: OpenAIStandin;
let client: OpenAI;

beforeAll(async () => {
  standin = await startOpenAIStandin({ delayHeadersMs: 150 });
  client = new OpenAI({ baseURL: standin.url, apiKey: 'sk-test', maxRetries: 0 });
});

afterAll(async () => {
  await standin.close();
});

const hello = [{ role: 'user' as const, content: 'hello brave new world' }];

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** Polls a condition instead of sleeping a fixed time. */
async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function lastRequest(): RecordedRequest {
  const req = standin.requests.at(-1);
  if (!req) throw new Error('no request recorded');
  return req;
}

describe('chat completions', () => {
  it('answers a non-streamed request with a chat.completion echoing the last user message', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('gpt-4o-mini');
    expect(res.choices[0]?.message).toEqual({ role: 'assistant', content: 'echo: hello brave new world', refusal: null, annotations: [] });
    expect(res.choices[0]?.finish_reason).toBe('stop');
    // 21 chars / 4 → 6 prompt tokens; 5 words in the reply.
    expect(res.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 5, total_tokens: 11 });
    expect(res.usage?.prompt_tokens_details?.cached_tokens).toBe(0);
    expect(res.service_tier).toBe('default');
    expect(res.system_fingerprint).toBeTypeOf('string');

    const recorded = lastRequest();
    expect(recorded).toMatchObject({ method: 'POST', path: '/v1/chat/completions', aborted: false });
    expect(recorded.headers.authorization).toBe('Bearer sk-test');
    expect(recorded.body).toMatchObject({ model: 'gpt-4o-mini', messages: hello });
  });

  it('reports cached prompt tokens once a conversation has more than two messages', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'second question' },
      ],
    });
    const cached = res.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    expect(cached).toBeGreaterThan(0);
    expect(cached).toBeLessThan(res.usage?.prompt_tokens ?? 0);
  });

  it('streams several deltas without a usage key when include_usage is not set', async () => {
    const chunks = await collect(await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello, stream: true }));
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]?.id)).toBe(true);
    expect(chunks[0]?.choices[0]?.delta).toMatchObject({ role: 'assistant', content: '' });
    const contentDeltas = chunks.filter((c) => c.choices[0]?.delta.content);
    expect(contentDeltas.length).toBeGreaterThanOrEqual(3);
    expect(contentDeltas.map((c) => c.choices[0]?.delta.content).join('')).toBe('echo: hello brave new world');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('puts usage: null on every chunk and a last choices: [] chunk with usage when include_usage is set', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: hello,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    const last = chunks.at(-1);
    expect(chunks.slice(0, -1).every((c) => 'usage' in c && c.usage === null)).toBe(true);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 5, total_tokens: 11 });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('answers tool-call with a get_weather call, non-streamed', async () => {
    const res = await client.chat.completions.create({ model: 'tool-call', messages: hello });
    const choice = res.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    const call = choice?.message.tool_calls?.[0];
    expect(call?.type).toBe('function');
    expect(call?.id).toMatch(/^call_/);
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
  });

  it('streams tool-call arguments in pieces that the SDK reassembles', async () => {
    const stream = client.chat.completions.stream({ model: 'tool-call', messages: hello });
    const chunks: ChatCompletionChunk[] = [];
    stream.on('chunk', (c) => chunks.push(c));
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');

    const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(toolDeltas[0]).toMatchObject({ index: 0, type: 'function', function: { name: 'get_weather', arguments: '' } });
    const later = toolDeltas.slice(1);
    expect(later.length).toBeGreaterThanOrEqual(3);
    expect(later.every((d) => d.id === undefined && d.function?.name === undefined && d.index === 0)).toBe(true);
  });
});

describe('scenarios', () => {
  it('surfaces 500, 400 and 429 as APIError with the status, and 429 with retry-after', async () => {
    const fail = (model: string) => client.chat.completions.create({ model, messages: hello }).then(
      () => { throw new Error('expected an error'); },
      (err: unknown) => err,
    );
    const e500 = await fail('fail-500');
    expect(e500).toBeInstanceOf(OpenAI.InternalServerError);
    expect(e500).toMatchObject({ status: 500, type: 'server_error' });
    const e400 = await fail('bad-request');
    expect(e400).toBeInstanceOf(OpenAI.BadRequestError);
    expect(e400).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'messages' });
    const e429 = await fail('rate-limit');
    expect(e429).toBeInstanceOf(OpenAI.RateLimitError);
    expect(e429).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect((e429 as RateLimitError).headers.get('retry-after')).toBe('7');
  });

  it('answers an unknown path with 404 in the error shape', async () => {
    const res = await fetch(`${standin.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { message: 'Invalid URL (GET /v1/nope)', type: 'invalid_request_error', param: null, code: null },
    });
  });

  it('cut-stream drops the connection after two content chunks, with no [DONE]', async () => {
    const chunks: ChatCompletionChunk[] = [];
    const consume = async () => {
      for await (const c of await client.chat.completions.create({ model: 'cut-stream', messages: hello, stream: true })) chunks.push(c);
    };
    await expect(consume()).rejects.toThrow();
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(2);
  });

  it('slow waits delayHeadersMs before answering', async () => {
    const started = performance.now();
    await client.chat.completions.create({ model: 'slow', messages: hello });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('records aborted: true when the client hangs up during slow-stream', async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'slow-stream', messages: hello, stream: true },
      { signal: controller.signal },
    );
    const recorded = lastRequest();
    for await (const _chunk of stream) {
      controller.abort();
    }
    await waitFor(() => recorded.aborted);
    expect(recorded.body).toMatchObject({ model: 'slow-stream' });
  });

  it('stall-stream sends one chunk and then holds the connection until the client leaves', async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'stall-stream', messages: hello, stream: true },
      { signal: controller.signal },
    );
    const recorded = lastRequest();
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.choices[0]?.delta.role).toBe('assistant');
    const second = iterator.next();
    // Proving that nothing arrives needs a bounded wait; 300 ms is 1,000x the stand-in's chunk gap.
    const timeout = new Promise((r) => setTimeout(() => r('still waiting'), 300));
    expect(await Promise.race([second, timeout])).toBe('still waiting');
    controller.abort();
    // The SDK ends the iteration quietly on a user abort.
    expect((await second).done).toBe(true);
    await waitFor(() => recorded.aborted);
  });
});

describe('embeddings and models', () => {
  it('returns base64 Float32 embeddings by default, which the SDK decodes', async () => {
    const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] });
    expect((lastRequest().body as { encoding_format?: string }).encoding_format).toBe('base64');
    expect(res.object).toBe('list');
    expect(res.model).toBe('text-embedding-3-small');
    expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    expect(res.data[0]?.embedding).toEqual(embeddingOf('alpha'));
    expect(res.data[1]?.embedding).toHaveLength(8);
    // 'alpha' → 2 tokens, 'beta' → 1 (chars / 4, rounded up).
    expect(res.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
  });

  it('returns number arrays for encoding_format float, equal to the decoded base64', async () => {
    const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'alpha', encoding_format: 'float' });
    expect(res.data).toHaveLength(1);
    expect(res.data[0]).toEqual({ object: 'embedding', index: 0, embedding: embeddingOf('alpha') });
  });

  it('lists models', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) {
      expect(model.object).toBe('model');
      expect(model.owned_by).toBeTypeOf('string');
      ids.push(model.id);
    }
    expect(ids).toContain('gpt-4o-mini');
    expect(ids.length).toBeGreaterThanOrEqual(3);
  });
});

describe('lifecycle', () => {
  it('close() returns promptly with a keep-alive connection still open', async () => {
    const other = await startOpenAIStandin();
    const otherClient = new OpenAI({ baseURL: other.url, apiKey: 'sk-test', maxRetries: 0 });
    await otherClient.models.list();
    const started = performance.now();
    await other.close();
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('requires the api key when one is configured', async () => {
    const strict = await startOpenAIStandin({ apiKey: 'sk-right' });
    try {
      const wrong = new OpenAI({ baseURL: strict.url, apiKey: 'sk-wrong', maxRetries: 0 });
      await expect(wrong.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      const right = new OpenAI({ baseURL: strict.url, apiKey: 'sk-right', maxRetries: 0 });
      await expect(right.models.list()).resolves.toBeDefined();
    } finally {
      await strict.close();
    }
  });
});

describe('as its own process', () => {
  it('prints one `listening <url>` line, serves, and exits 0 on SIGTERM', async () => {
    const script = fileURLToPath(new URL('./openai-upstream.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const lines = createInterface({ input: child.stdout });
      const [line] = (await once(lines, 'line')) as [string];
      expect(line).toMatch(/^listening http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const url = line.slice('listening '.length);
      const res = await new OpenAI({ baseURL: url, apiKey: 'sk-test', maxRetries: 0 }).chat.completions.create({ model: 'm', messages: hello });
      expect(res.choices[0]?.message.content).toBe('echo: hello brave new world');
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
