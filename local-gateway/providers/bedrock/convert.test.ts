import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromUtf8 } from '@smithy/util-utf8';
import { describe, expect, it } from 'vitest';
import type { ChatRequestBody } from '../chat-request.js';
import { codec } from './event-stream.js';
import { bedrockErrorText } from './index.js';
import { chatToConverse } from './request.js';
import { converseToChat } from './response.js';
import { signRequest } from './signing.js';
import { converseStreamToChat } from './stream.js';
import type { ConverseResponse } from './wire.js';

const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/providers');
const json = <T>(name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;

interface TranscriptMessage {
  event?: string;
  exception?: string;
  payload: unknown;
}

/** A recorded ConverseStream transcript encoded as the event-stream frames Bedrock sends. */
function frames(name: string): Buffer {
  const str = (value: string) => ({ type: 'string' as const, value });
  const messages = json<TranscriptMessage[]>(`bedrock/${name}`).map((m) =>
    codec.encode({
      headers: m.exception
        ? { ':exception-type': str(m.exception), ':content-type': str('application/json'), ':message-type': str('exception') }
        : { ':event-type': str(m.event!), ':content-type': str('application/json'), ':message-type': str('event') },
      body: fromUtf8(JSON.stringify(m.payload)),
    }),
  );
  return Buffer.concat(messages);
}

/** Feeds bytes in small pieces, so frames arrive split at arbitrary places, as on a network. */
async function* pieces(bytes: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function convert(name: string, size = 7): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const e of converseStreamToChat(pieces(frames(name), size), 'claude-haiku')) {
    expect(e).toMatch(/^data: .*\n\n$/s);
    out.push(e === 'data: [DONE]\n\n' ? '[DONE]' : JSON.parse(e.slice(6)));
  }
  return out;
}

const chunk = (delta: object, finish: string | null = null) => expect.objectContaining({ object: 'chat.completion.chunk', model: 'claude-haiku', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });

describe('chat completions → Bedrock Converse', () => {
  it('converts system, images, tool calls, tool results, tools and inference settings', () => {
    expect(chatToConverse(json<ChatRequestBody>('chat-request.json'))).toEqual(json('bedrock/converse-request.json'));
  });

  it('maps tool_choice required and a named function', () => {
    const base: ChatRequestBody = { messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f' } }] };
    expect(chatToConverse({ ...base, tool_choice: 'required' }).toolConfig).toEqual({ tools: [{ toolSpec: { name: 'f', inputSchema: { json: { type: 'object', properties: {} } } } }], toolChoice: { any: {} } });
    expect(chatToConverse({ ...base, tool_choice: { type: 'function', function: { name: 'f' } } }).toolConfig?.toolChoice).toEqual({ tool: { name: 'f' } });
    expect(chatToConverse({ ...base, tool_choice: 'none' }).toolConfig).toBeUndefined();
    // With tool blocks in the history Converse needs the toolConfig; it goes without a choice.
    const history: ChatRequestBody = {
      ...base,
      tool_choice: 'none',
      messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 't1', content: 'ok' }],
    };
    expect(chatToConverse(history).toolConfig).toEqual({ tools: [{ toolSpec: { name: 'f', inputSchema: { json: { type: 'object', properties: {} } } } }] });
  });

  it('refuses image links and formats Bedrock cannot take, saying what to send', () => {
    const image = (url: string): ChatRequestBody => ({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] });
    expect(() => chatToConverse(image('https://example.com/cat.png'))).toThrow(/send the image as a data: URL/);
    expect(() => chatToConverse(image('data:image/tiff;base64,AAAA'))).toThrow(/png, jpeg, gif and webp images, not image\/tiff/);
  });
});

describe('Bedrock Converse → chat completion', () => {
  it('converts text, stop reason and usage, counting cache reads as prompt tokens', () => {
    expect(converseToChat(json<ConverseResponse>('bedrock/converse-response-text.json'), 'claude-haiku')).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant', content: 'It is 18°C and cloudy in Paris at 14:05.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1412, completion_tokens: 19, total_tokens: 1431, prompt_tokens_details: { cached_tokens: 1024 } },
    });
  });

  it('converts toolUse blocks to tool calls with their ids', () => {
    expect(converseToChat(json<ConverseResponse>('bedrock/converse-response-tool-use.json'), 'claude-haiku')).toMatchObject({
      choices: [
        {
          message: {
            content: 'Let me check the weather and time in Paris.',
            tool_calls: [
              { id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } },
              { id: 'tooluse_3mTgVPQTTVuS2nVb1NRa0w', type: 'function', function: { name: 'get_time', arguments: '{"city":"Paris"}' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 390, completion_tokens: 112 },
    });
  });

  it('maps every stop reason', () => {
    const finish = (stopReason: string) => (converseToChat({ stopReason, output: { message: { content: [{ text: 'x' }] } } }, 'm') as { choices: { finish_reason: string }[] }).choices[0]!.finish_reason;
    expect(['end_turn', 'stop_sequence', 'max_tokens', 'tool_use', 'guardrail_intervened', 'content_filtered'].map(finish)).toEqual(['stop', 'stop', 'length', 'tool_calls', 'content_filter', 'content_filter']);
  });

  it('words an error answer by its x-amzn-errortype', () => {
    const e = json<{ status: number; headers: Record<string, string>; body: unknown }>('bedrock/error-validation.json');
    expect(JSON.parse(bedrockErrorText(JSON.stringify(e.body), e.status, e.headers['x-amzn-errortype']))).toEqual({
      error: { message: 'The provided model identifier is invalid. (ValidationException)', type: 'invalid_request_error', param: null, code: 'ValidationException' },
    });
  });
});

describe('Bedrock ConverseStream (event-stream frames) → chat completion chunks, event by event', () => {
  it('streams text, the finish, the usage chunk and [DONE], whatever the frame boundaries', async () => {
    const expected = [
      chunk({ role: 'assistant', content: 'It is 18°C' }),
      chunk({ content: ' and cloudy in Paris' }),
      chunk({ content: ' at 14:05.' }),
      chunk({}, 'stop'),
      expect.objectContaining({ choices: [], usage: { prompt_tokens: 1412, completion_tokens: 19, total_tokens: 1431, prompt_tokens_details: { cached_tokens: 1024 } } }),
      '[DONE]',
    ];
    expect(await convert('converse-stream-text.json', 7)).toEqual(expected);
    expect(await convert('converse-stream-text.json', 4096)).toEqual(expected);
  });

  it('streams a tool use as a tool call whose arguments arrive in pieces', async () => {
    const out = await convert('converse-stream-tool-use.json');
    expect(out).toEqual([
      chunk({ role: 'assistant', content: 'Let me check.' }),
      chunk({ tool_calls: [{ index: 0, id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city": "Par' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'is", "unit": "celsius"}' } }] }),
      chunk({}, 'tool_calls'),
      expect.objectContaining({ choices: [], usage: expect.objectContaining({ prompt_tokens: 390, completion_tokens: 71 }) }),
      '[DONE]',
    ]);
  });

  it('turns an exception event into an error chunk and ends without [DONE]', async () => {
    expect(await convert('converse-stream-throttled.json')).toEqual([
      chunk({ role: 'assistant', content: 'It is' }),
      { error: { message: 'Too many tokens, please wait before trying again. (throttlingException)', type: 'rate_limit_error', param: null, code: 'throttlingException' } },
    ]);
  });

  it('ends a stream cut before messageStop without [DONE]', async () => {
    expect(await convert('converse-stream-cut.json')).toEqual([chunk({ role: 'assistant', content: 'It is' })]);
  });

  it('fails on a frame whose checksum does not match', async () => {
    const bytes = frames('converse-stream-text.json');
    bytes[40] = bytes[40]! ^ 0xff;
    await expect(convert2(bytes)).rejects.toThrow(/could not decode \(.*checksum/);
  });
});

async function convert2(bytes: Buffer): Promise<void> {
  for await (const _ of converseStreamToChat(pieces(bytes, 64), 'm')) void _;
}

describe('SigV4 signing', () => {
  it('signs host, date and body with the bedrock service scope, and the session token', async () => {
    const url = new URL('https://bedrock-runtime.eu-west-1.amazonaws.com');
    const req = { url, path: '/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{"messages":[]}' };
    const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session-token-example' };
    const date = new Date('2026-11-23T12:00:00Z');
    const headers = await signRequest(req, 'eu-west-1', creds, date);
    expect(headers['x-amz-date']).toBe('20261123T120000Z');
    expect(headers['x-amz-security-token']).toBe('session-token-example');
    expect(headers.host).toBe('bedrock-runtime.eu-west-1.amazonaws.com');
    expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261123\/eu-west-1\/bedrock\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
    expect(JSON.stringify(headers)).not.toContain(creds.secretAccessKey);
    // The signature covers the body: another body, another signature.
    const other = await signRequest({ ...req, body: '{"messages":[{}]}' }, 'eu-west-1', creds, date);
    expect(other.authorization).not.toBe(headers.authorization);
    expect((await signRequest(req, 'eu-west-1', creds, date)).authorization).toBe(headers.authorization);
  });
});
