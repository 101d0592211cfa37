import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import '../guardrails/index.js';
import { registerGuardrailType } from '../policy/engine/guardrails.js';
import { GuardrailSchema } from '../policy/schema.js';
import { parseSseEvent } from '../stream/sse.js';
import { PlaceholderRestorer, RestoreBuffer, withPlaceholders } from './restore-placeholders.js';
import { streamCodec } from '../apis/index.js';
import { blockTexts } from '../apis/stream-codecs.js';
import { HOLD_CHARS, StreamBlocked, StreamGuard } from './stream-guard.js';

registerGuardrailType('test_unavailable', {
  config: z.strictObject({}),
  create: () => ({
    scan() {
      throw new Error('detector unavailable');
    },
    redact: (texts) => [...texts],
  }),
});

// A detector that answers asynchronously, as a remote provider does; counts its calls.
let remoteCalls = 0;
registerGuardrailType('test_remote', {
  config: z.strictObject({}),
  create: () => ({
    scan(texts) {
      remoteCalls++;
      const at = texts[0]!.indexOf('forbidden');
      return Promise.resolve(at === -1 ? [] : [{ type: 'word', text: 0, start: at, end: at + 9 }]);
    },
    redact: (texts) => [...texts],
  }),
});

const KEY = { patterns: ['sk-live-[a-z0-9]{6,}'], label: 'key' };
const rule = (action: 'mutate' | 'validate', mode: 'enforce' | 'strict' | 'audit' = 'enforce', type = 'deny_regex', config: object = KEY) =>
  GuardrailSchema.parse({ id: `${type}-${action}`, type, hook: 'llm_output', action, mode, config });

const chatEvent = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices: [{ index: 0, delta: finish ? {} : { content }, finish_reason: finish }] })}\n\n`;

/** The chat text a client reads from what the guard let out. */
function chatText(out: string): string {
  let text = '';
  for (const raw of out.split('\n\n')) {
    const ev = parseSseEvent(raw);
    if (!ev || ev.data === '[DONE]') continue;
    const data = JSON.parse(ev.data) as { choices: { delta: { content?: string } }[] };
    text += data.choices[0]?.delta.content ?? '';
  }
  return text;
}

async function runChat(guard: StreamGuard, pieces: string[]): Promise<{ out: string[]; text: string }> {
  const out: string[] = [];
  for (const p of pieces) out.push(await guard.event(chatEvent(p)));
  out.push(await guard.event(chatEvent('', 'stop')));
  out.push(await guard.event('data: [DONE]\n\n'));
  return { out, text: chatText(out.join('')) };
}

const chatGuard = (rules = [rule('mutate')], placeholders = new Map<string, string>()) => new StreamGuard(streamCodec('chat.completions')!, rules, placeholders, 'dev');

describe('StreamGuard on chat deltas', () => {
  it('finds a secret cut in the middle across two chunks and redacts it before any of it leaves', async () => {
    const guard = chatGuard();
    const { out, text } = await runChat(guard, ['your key is sk-li', 've-abc123xyz, keep it safe']);
    expect(text).toBe('your key is [redacted:key], keep it safe');
    for (const o of out) expect(o).not.toMatch(/sk-li|abc123/);
    expect(guard.verdicts()).toMatchObject([{ rule: 'deny_regex-mutate', decision: 'mutate', findings: [{ type: 'key', start: 12, end: 29 }] }]);
  });

  it('holds back only the last characters: long text keeps flowing, and all of it arrives at the end', async () => {
    const guard = chatGuard();
    const words = Array.from({ length: 100 }, (_, i) => `word${i} `);
    let released = '';
    let sent = 0;
    for (const w of words) {
      sent += w.length;
      released += chatText(await guard.event(chatEvent(w)));
      expect(sent - released.length).toBeLessThanOrEqual(HOLD_CHARS);
    }
    released += chatText(await guard.event(chatEvent('', 'stop')));
    expect(released).toBe(words.join(''));
  });

  it('holds a finding that may still grow until it ends', async () => {
    const guard = chatGuard();
    const long = 'sk-live-' + 'a'.repeat(300);
    const { out, text } = await runChat(guard, ['start ', ...long.match(/.{1,7}/g)!, ' end']);
    expect(text).toBe('start [redacted:key] end');
    expect(out.join('')).not.toContain('aaaa');
  });

  it('ends the stream on a validator finding, before the finding leaves', async () => {
    const guard = chatGuard([rule('validate')]);
    const pre = 'x'.repeat(400);
    const out: string[] = [];
    const run = async () => {
      for (const p of [pre, ' sk-live-', 'abcdef12 and more']) out.push(await guard.event(chatEvent(p)));
    };
    await expect(run()).rejects.toBeInstanceOf(StreamBlocked);
    expect(chatText(out.join(''))).not.toContain('sk-live');
    expect(guard.verdicts()).toMatchObject([{ decision: 'block', mode: 'enforce', stage: 'output_guardrails' }]);
  });

  it('a validator sees the text after the redactions, as on a complete answer', async () => {
    const guard = chatGuard([rule('mutate'), rule('validate')]);
    const { text } = await runChat(guard, ['k=sk-live-abcdef12']);
    expect(text).toBe('k=[redacted:key]');
  });

  it('a strict guardrail that cannot run ends the stream; an enforcing one lets it through and says so', async () => {
    const strict = chatGuard([rule('validate', 'strict', 'test_unavailable', {})]);
    await expect(runChat(strict, ['a'.repeat(200)])).rejects.toBeInstanceOf(StreamBlocked);
    expect(strict.verdicts()).toMatchObject([{ decision: 'block', mode: 'strict', findings: [{ type: 'error', detail: 'detector unavailable' }] }]);
    const lenient = chatGuard([rule('validate', 'enforce', 'test_unavailable', {})]);
    expect((await runChat(lenient, ['a'.repeat(200)])).text).toBe('a'.repeat(200));
    expect(lenient.verdicts()).toMatchObject([{ decision: 'allow', mode: 'enforce' }]);
  });

  it('asks an asynchronous guardrail once per batch of text, not once per event, and still ends the stream on a finding', async () => {
    const guard = chatGuard([rule('validate', 'enforce', 'test_remote', {})]);
    remoteCalls = 0;
    const words = Array.from({ length: 500 }, () => 'abcd ');
    const out: string[] = [];
    for (const w of words) out.push(await guard.event(chatEvent(w)));
    expect(remoteCalls).toBeLessThan(words.length / 10);
    expect(chatText(out.join('')).length).toBeGreaterThan(0);
    expect(chatText(await guard.event(chatEvent('forbidden')))).not.toContain('forbidden');
    await expect(guard.event(chatEvent('', 'stop'))).rejects.toBeInstanceOf(StreamBlocked);
  });

  it('completes on adversarial input: long runs of what the patterns repeat, in one-character deltas', async () => {
    const guard = chatGuard();
    const pieces = [...'sk-live-'.repeat(500), ...'-'.repeat(2000)];
    const { text } = await runChat(guard, [...pieces, 'sk-live-abcdef12']);
    // No run of the repeated parts is a key; the real one after them is found.
    expect(text).toBe(pieces.join('') + '[redacted:key]');
  });
});

describe('StreamGuard on chat tool-call arguments', () => {
  const toolEvent = (delta: object) => `data: ${JSON.stringify({ id: 'c1', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...delta }] }, finish_reason: null }] })}\n\n`;

  it('redacts a secret split over argument deltas, sends the call id and name once, and restores placeholders JSON-escaped', async () => {
    const guard = chatGuard([rule('mutate')], new Map([['<NAME_1>', 'Ana "the" Dev']]));
    const out: string[] = [await guard.event(toolEvent({ id: 'call_1', type: 'function', function: { name: 'write_env', arguments: '' } }))];
    for (const a of ['{"key":"sk-li', 've-abcdef12","owner":"<NAM', 'E_1>"}']) out.push(await guard.event(toolEvent({ function: { arguments: a } })));
    out.push(await guard.event(chatEvent('', 'tool_calls')));
    let args = '';
    let names = 0;
    for (const raw of out.join('').split('\n\n').filter(Boolean)) {
      const data = JSON.parse(parseSseEvent(raw)!.data) as { choices: { delta: { tool_calls?: { function?: { name?: string; arguments?: string } }[] } }[] };
      const call = data.choices[0]?.delta.tool_calls?.[0];
      args += call?.function?.arguments ?? '';
      if (call?.function?.name) names++;
    }
    expect(JSON.parse(args)).toEqual({ key: '[redacted:key]', owner: 'Ana "the" Dev' });
    expect(names).toBe(1);
  });
});

describe('placeholders in a stream', () => {
  const map = new Map([
    ['<EMAIL_1>', 'ana@example.com'],
    ['<EMAIL_10>', 'bo@example.com'],
  ]);

  it('restores each placeholder and never sends half of one', async () => {
    const guard = chatGuard([], map);
    const { out, text } = await runChat(guard, ['write to <EM', 'AIL_1', '> and <EMAIL_1', '0> today']);
    // With no guardrail nothing else is held: text without a placeholder leaves with its own event.
    expect(chatText(out[0]!)).toBe('write to ');
    expect(text).toBe('write to ana@example.com and bo@example.com today');
    for (const o of out) expect(chatText(o)).not.toMatch(/<|EMAIL/);
  });

  it('the trace keeps the placeholders, not the restored values', async () => {
    const guard = chatGuard([], map);
    const { out } = await runChat(guard, ['write to <EMAIL_1> now']);
    const traced = guard.traced(out.join(''));
    expect(traced).not.toContain('ana@example.com');
    expect(chatText(traced)).toBe('write to <EMAIL_1> now');
    expect(withPlaceholders('data: {"t":"say \\"hi\\" to me"}', new Map([['<Q_1>', 'say "hi"']]))).toBe('data: {"t":"<Q_1> to me"}');
  });

  it('a buffer flushes a cut that never completes at the end, and leaves other angle brackets alone', () => {
    const buf = new RestoreBuffer(new PlaceholderRestorer(map));
    expect(buf.push('a <b> c <EMA', false)).toBe('a <b> c ');
    expect(buf.push('', true)).toBe('<EMA');
  });
});

const anthropicEvents = (pieces: string[]) => [
  `event: message_start\ndata: ${JSON.stringify({ type: 'message_start', message: { id: 'm', content: [] } })}\n\n`,
  `event: content_block_start\ndata: ${JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })}\n\n`,
  ...pieces.map((text) => `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })}\n\n`),
  `event: ping\ndata: {"type":"ping"}\n\n`,
  `event: content_block_stop\ndata: ${JSON.stringify({ type: 'content_block_stop', index: 0 })}\n\n`,
  `event: message_stop\ndata: {"type":"message_stop"}\n\n`,
];

describe('StreamGuard on Messages and Responses events', () => {
  it('Messages: held text leaves before content_block_stop, in a text_delta of its own', async () => {
    const guard = new StreamGuard(streamCodec('messages')!, [rule('mutate')], new Map(), 'dev');
    const out: string[] = [];
    for (const e of anthropicEvents(['key sk-live-', 'abcdef12', ' done'])) out.push(await guard.event(e));
    const events = out.join('').split('\n\n').filter(Boolean).map((e) => parseSseEvent(e)!);
    const text = events.filter((e) => e.event === 'content_block_delta').map((e) => (JSON.parse(e.data) as { delta: { text: string } }).delta.text).join('');
    expect(text).toBe('key [redacted:key] done');
    expect(events.map((e) => e.event).slice(-3)).toEqual(['content_block_delta', 'content_block_stop', 'message_stop']);
  });

  it('Responses: the done events repeat the redacted text, and events stay numbered one by one', async () => {
    const guard = new StreamGuard(streamCodec('responses')!, [rule('mutate')], new Map(), 'dev');
    const full = 'key sk-live-abcdef12 done';
    const at = { item_id: 'msg_1', output_index: 0, content_index: 0 };
    const part = (text: string) => ({ type: 'output_text', annotations: [], text });
    const item = (text: string) => ({ id: 'msg_1', type: 'message', role: 'assistant', content: [part(text)] });
    const upstream = [
      { type: 'response.created', response: { id: 'r', output: [] } },
      ...['key sk-live-', 'abcdef12', ' done'].map((delta) => ({ type: 'response.output_text.delta', ...at, delta })),
      { type: 'response.output_text.done', ...at, text: full },
      { type: 'response.content_part.done', ...at, part: part(full) },
      { type: 'response.output_item.done', output_index: 0, item: item(full) },
      { type: 'response.completed', response: { id: 'r', output: [item(full)] } },
    ].map((e, i) => `event: ${e.type}\ndata: ${JSON.stringify({ ...e, sequence_number: i })}\n\n`);
    let out = '';
    for (const e of upstream) out += await guard.event(e);
    const events = out.split('\n\n').filter(Boolean).map((e) => JSON.parse(parseSseEvent(e)!.data) as Record<string, unknown>);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const redacted = 'key [redacted:key] done';
    expect(events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('')).toBe(redacted);
    expect(events.find((e) => e.type === 'response.output_text.done')).toMatchObject({ text: redacted });
    expect(events.find((e) => e.type === 'response.content_part.done')).toMatchObject({ part: { text: redacted } });
    expect(events.find((e) => e.type === 'response.output_item.done')).toMatchObject({ item: { content: [{ text: redacted }] } });
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { output: [{ content: [{ text: redacted }] }] } });
    expect(out).not.toContain('abcdef12');
    expect(guard.renumber('{"type":"error","sequence_number":99}')).toBe(`{"type":"error","sequence_number":${events.length}}`);
  });
});

describe('blockTexts', () => {
  it('joins each block of a stream the client got, text and tool arguments apart', () => {
    const sse = anthropicEvents(['hello ', 'world']).join('') + `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":1}' } })}\n\n`;
    expect(blockTexts(streamCodec('messages')!, sse)).toEqual(['hello world', '{"a":1}']);
  });
});
