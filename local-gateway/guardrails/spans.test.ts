import { describe, expect, it } from 'vitest';
import { MEMO_MIN_CHARS } from '../policy/engine/memo.js';
import { requestTexts, slotTexts } from '../contracts/texts.js';
import { replaceSpans, spanScanner } from './spans.js';

const mark = (f: { type: string }) => `[${f.type}]`;

describe('replaceSpans', () => {
  it('replaces every span from the end, so earlier offsets hold', () => {
    const out = replaceSpans(['ab key1 cd key2 ef'], [
      { type: 'k', text: 0, start: 3, end: 7 },
      { type: 'k', text: 0, start: 11, end: 15 },
    ], mark);
    expect(out).toEqual(['ab [k] cd [k] ef']);
  });

  it('joins overlapping spans, so no part of either is left in the text', () => {
    // Two rules over one secret: "0123456789" found as 0–6 and as 4–10.
    const out = replaceSpans(['x 0123456789 y'], [
      { type: 'later', text: 0, start: 6, end: 12 },
      { type: 'first', text: 0, start: 2, end: 8 },
    ], mark);
    expect(out).toEqual(['x [first] y']);
  });

  it('leaves other texts alone and hands the replacement the original span', () => {
    const seen: string[] = [];
    const out = replaceSpans(['one', 'two three'], [{ type: 't', text: 1, start: 4, end: 9 }], (_f, original) => {
      seen.push(original);
      return '*';
    });
    expect(out).toEqual(['one', 'two *']);
    expect(seen).toEqual(['three']);
  });
});

describe('spanScanner', () => {
  it('scans a long text once per conversation, and short texts every time', () => {
    const calls: string[] = [];
    const scan = spanScanner((text) => {
      calls.push(text);
      const at = text.indexOf('needle');
      return at < 0 ? [] : [{ type: 'needle', start: at, end: at + 6 }];
    });
    const history = `${'x'.repeat(MEMO_MIN_CHARS)} needle`;
    expect(scan([history, 'short needle'])).toEqual([
      { type: 'needle', text: 0, start: MEMO_MIN_CHARS + 1, end: MEMO_MIN_CHARS + 7 },
      { type: 'needle', text: 1, start: 6, end: 12 },
    ]);
    // The next turn resends the history as a new string, plus a new message.
    const next = [history.slice(0), 'short needle', 'new'];
    expect(scan(next).map((f) => f.text)).toEqual([0, 1]);
    expect(calls.filter((c) => c === history)).toHaveLength(1);
    expect(calls.filter((c) => c === 'short needle')).toHaveLength(2);
  });

  it('with byKind, remembers a text per kind it arrived as', () => {
    const kinds: (string | undefined)[] = [];
    const scan = spanScanner((_text, kind) => {
      kinds.push(kind);
      return [];
    }, { byKind: true });
    const long = 'y'.repeat(MEMO_MIN_CHARS);
    const asUser = slotTexts(requestTexts({ messages: [{ role: 'user', content: long }] }));
    const asTool = slotTexts(requestTexts({ messages: [{ role: 'tool', tool_call_id: 'c', content: long }] }));
    scan(asUser);
    scan(asUser);
    scan(asTool);
    expect(kinds).toEqual(['user', 'tool']);
  });
});
