import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChatRequestBody } from '../chat-request.js';
import { geminiErrorAnswer } from './index.js';
import { chatToGemini } from './request.js';
import { GeminiStreamConverter, geminiToChat } from './response.js';
import type { GeminiResponse } from './wire.js';

const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/providers/gemini');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const json = <T>(name: string) => JSON.parse(fixture(name)) as T;

/** The `data:` payloads of a recorded `alt=sse` transcript, in order. */
function sseEvents(name: string): string[] {
  return fixture(name)
    .split(/\r?\n\r?\n/)
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice(6));
}

/** Runs a transcript through a converter; each emitted event parsed (`[DONE]` kept as text). */
function convert(name: string): unknown[] {
  const c = new GeminiStreamConverter('gemini-2.5-flash');
  const out = [...sseEvents(name).flatMap((e) => c.event(e)), ...c.end()];
  for (const e of out) expect(e).toMatch(/^data: .*\n\n$/s);
  return out.map((e) => (e === 'data: [DONE]\n\n' ? '[DONE]' : JSON.parse(e.slice(6))));
}

const chunk = (delta: object, finish: string | null = null) => expect.objectContaining({ object: 'chat.completion.chunk', model: 'gemini-2.5-flash', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });

describe('chat completions → Gemini generateContent', () => {
  it('converts system, images, tool calls, tool results, tools and generation settings', () => {
    const body = json<ChatRequestBody>('../chat-request.json');
    expect(chatToGemini(body)).toEqual(json('generate-content-request.json'));
  });

  it('maps tool_choice and response_format', () => {
    const base: ChatRequestBody = { messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f' } }] };
    expect(chatToGemini({ ...base, tool_choice: 'required' }).toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(chatToGemini({ ...base, tool_choice: 'none' }).toolConfig).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(chatToGemini({ ...base, tool_choice: { type: 'function', function: { name: 'f' } } }).toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } });
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(chatToGemini({ ...base, response_format: { type: 'json_schema', json_schema: { name: 's', schema } } }).generationConfig).toEqual({ responseMimeType: 'application/json', responseJsonSchema: schema });
    expect(chatToGemini({ ...base, response_format: { type: 'json_object' } }).generationConfig).toEqual({ responseMimeType: 'application/json' });
    // reasoning_effort: a budget for 2.5 models, a level for Gemini 3.
    expect(chatToGemini({ ...base, model: 'gemini-2.5-pro', reasoning_effort: 'high' }).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 24576 } });
    expect(chatToGemini({ ...base, model: 'gemini-3-pro-preview', reasoning_effort: 'low' }).generationConfig).toEqual({ thinkingConfig: { thinkingLevel: 'low' } });
  });

  it('refuses a tool result for a call no assistant made, and arguments that are not JSON', () => {
    expect(() => chatToGemini({ messages: [{ role: 'tool', tool_call_id: 'call_x', content: '1' }] })).toThrow(/answers tool call "call_x", which no earlier assistant message made/);
    const bad = { messages: [{ role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{not json' } }] }] };
    expect(() => chatToGemini(bad)).toThrow(/arguments of tool call "c1" are not a JSON object/);
  });
});

describe('Gemini generateContent → chat completion', () => {
  it('converts text, finish reason and usage with cached and thinking tokens', () => {
    const out = geminiToChat(json<GeminiResponse>('generate-content-text.json'), 'gemini-2.5-flash');
    expect(out).toMatchObject({
      object: 'chat.completion',
      model: 'gemini-2.5-flash',
      choices: [{ index: 0, message: { role: 'assistant', content: 'It is 18°C and cloudy in Paris at 14:05.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 412, completion_tokens: 105, total_tokens: 517, prompt_tokens_details: { cached_tokens: 256 }, completion_tokens_details: { reasoning_tokens: 91 } },
    });
  });

  it('converts function calls to tool calls with finish_reason tool_calls', () => {
    const out = geminiToChat(json<GeminiResponse>('generate-content-function-call.json'), 'gemini-2.5-flash') as { choices: { message: { content: unknown; tool_calls: { id: string }[] }; finish_reason: string }[] };
    const choice = out.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe('Let me look that up.');
    expect(choice.message.tool_calls).toEqual([
      { id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } },
      { id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_time', arguments: '{"city":"Paris"}' } },
    ]);
    expect(new Set(choice.message.tool_calls.map((c) => c.id)).size).toBe(2);
  });

  it("carries a function call's thoughtSignature in the tool call id, and back to Gemini with the history", () => {
    const out = geminiToChat(json<GeminiResponse>('generate-content-function-call.json'), 'gemini-2.5-flash') as { choices: { message: ChatRequestBody['messages'][number] }[] };
    const message = out.choices[0]!.message;
    expect(message.tool_calls![0]!.id).toMatch(/^call_\w+__thought__CiQB0e2Kb7Zl0X4o1Gq3bRz4xQ==$/);
    expect(message.tool_calls![1]!.id).not.toContain('__thought__');
    const next = chatToGemini({ messages: [{ role: 'user', content: 'weather?' }, message] });
    expect(next.contents[1]!.parts).toEqual([
      { text: 'Let me look that up.' },
      { functionCall: { name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } }, thoughtSignature: 'CiQB0e2Kb7Zl0X4o1Gq3bRz4xQ==' },
      { functionCall: { name: 'get_time', args: { city: 'Paris' } } },
    ]);
  });

  it('maps every finish reason, and a blocked prompt to content_filter', () => {
    const finish = (finishReason: string) => (geminiToChat({ candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason }] }, 'm') as { choices: { finish_reason: string }[] }).choices[0]!.finish_reason;
    expect(finish('STOP')).toBe('stop');
    expect(finish('MAX_TOKENS')).toBe('length');
    expect(finish('SAFETY')).toBe('content_filter');
    expect(finish('RECITATION')).toBe('content_filter');
    expect(finish('PROHIBITED_CONTENT')).toBe('content_filter');
    const blocked = geminiToChat({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 5, totalTokenCount: 5 } }, 'm');
    expect(blocked).toMatchObject({ choices: [{ message: { content: '' }, finish_reason: 'content_filter' }], usage: { prompt_tokens: 5, completion_tokens: 0 } });
  });
});

describe('Gemini streamGenerateContent (alt=sse) → chat completion chunks, event by event', () => {
  it('streams text, then the finish, the usage chunk and [DONE]', () => {
    expect(convert('stream-text.sse')).toEqual([
      chunk({ role: 'assistant', content: 'It is 18°C' }),
      chunk({ content: ' and cloudy in Paris' }),
      chunk({ content: ' at 14:05.' }),
      chunk({}, 'stop'),
      expect.objectContaining({ choices: [], usage: { prompt_tokens: 412, completion_tokens: 105, total_tokens: 517, prompt_tokens_details: { cached_tokens: 256 }, completion_tokens_details: { reasoning_tokens: 91 } } }),
      '[DONE]',
    ]);
  });

  it('streams function calls as tool call deltas with their whole arguments', () => {
    expect(convert('stream-function-call.sse')).toEqual([
      chunk({ role: 'assistant', tool_calls: [{ index: 0, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } }] }),
      chunk({ tool_calls: [{ index: 1, id: expect.stringMatching(/^call_/), type: 'function', function: { name: 'get_time', arguments: '{"city":"Paris"}' } }] }),
      chunk({}, 'tool_calls'),
      expect.objectContaining({ choices: [], usage: expect.objectContaining({ prompt_tokens: 97, completion_tokens: 92 }) }),
      '[DONE]',
    ]);
  });

  it('turns an error event into an OpenAI error chunk and ends without [DONE]', () => {
    expect(convert('stream-error.sse')).toEqual([
      chunk({ role: 'assistant', content: 'It is 18°C' }),
      { error: { message: 'The model is overloaded. Please try again later. (UNAVAILABLE)', type: 'api_error', param: null, code: 'UNAVAILABLE' } },
    ]);
  });

  it('ends a stream cut before its finishReason without [DONE]', () => {
    expect(convert('stream-cut.sse')).toEqual([chunk({ role: 'assistant', content: 'It is 18°C' })]);
  });
});

describe('Gemini error bodies', () => {
  it('answers a rejected key as 401, so the gateway blames its own config', () => {
    const out = geminiErrorAnswer(fixture('error-api-key.json'), 400);
    expect(out.status).toBe(401);
    expect(JSON.parse(out.text)).toEqual({ error: { message: 'API key not valid. Please pass a valid API key. (INVALID_ARGUMENT)', type: 'authentication_error', param: null, code: 'INVALID_ARGUMENT' } });
  });

  it('keeps a 429 and turns RetryInfo into retry-after', () => {
    const out = geminiErrorAnswer(fixture('error-rate-limit.json'), 429);
    expect(out.status).toBe(429);
    expect(out.headers).toEqual({ 'retry-after': '7' });
    expect(JSON.parse(out.text)).toMatchObject({ error: { type: 'rate_limit_error', code: 'RESOURCE_EXHAUSTED' } });
  });
});
