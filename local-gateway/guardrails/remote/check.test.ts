import { describe, expect, it } from 'vitest';
import { pieces, remoteCheck, type PieceResult } from './check.js';

describe('pieces', () => {
  it('cuts at a line break or space near the limit and puts the text back together exactly', () => {
    const text = 'word '.repeat(3000) + 'line\n'.repeat(2000);
    const parts = pieces(text, 4000);
    expect(parts.map((p) => p.text).join('')).toBe(text);
    for (const p of parts) {
      expect(p.text.length).toBeLessThanOrEqual(4000);
      expect(text.slice(p.offset, p.offset + p.text.length)).toBe(p.text);
    }
    for (const p of parts.slice(0, -1)) expect(p.text.endsWith(' ') || p.text.endsWith('\n')).toBe(true);
  });

  it('cuts a text without spaces hard, never between the halves of a surrogate pair', () => {
    const text = 'a' + '😀'.repeat(5000);
    const parts = pieces(text, 1000);
    expect(parts.map((p) => p.text).join('')).toBe(text);
    for (const p of parts) {
      const last = p.text.charCodeAt(p.text.length - 1);
      expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
    }
  });

  it('keeps a short text whole', () => {
    expect(pieces('short', 10)).toEqual([{ text: 'short', offset: 0 }]);
  });
});

describe('remoteCheck', () => {
  it('maps piece findings to offsets in the whole text, skips blank texts, and redacts overlapping spans once', async () => {
    const seen: string[][] = [];
    const check = remoteCheck({
      maxChars: 10,
      classify: async (ps) => {
        seen.push([...ps]);
        return ps.map((p): PieceResult => ({ spans: p.includes('x') ? [{ type: 'x', start: p.indexOf('x'), end: p.indexOf('x') + 1 }, { type: 'y', start: 0, end: p.indexOf('x') + 1 }] : [] }));
      },
    });
    const texts = ['aaaa bbbb cccx dd', '   '];
    const found = await check.scan(texts);
    expect(seen).toEqual([['aaaa bbbb ', 'cccx dd']]);
    expect(found).toEqual([
      { type: 'x', text: 0, start: 13, end: 14 },
      { type: 'y', text: 0, start: 10, end: 14 },
    ]);
    expect(check.redact(texts, found)).toEqual(['aaaa bbbb [removed:y] dd', '   ']);
  });

  it('does not remember a failure: the next scan asks again', async () => {
    let fail = true;
    let calls = 0;
    const check = remoteCheck({
      maxChars: 100,
      classify: async (ps) => {
        calls++;
        if (fail) throw new Error('service down');
        return ps.map(() => ({ spans: [] }));
      },
    });
    await expect(check.scan(['hello'])).rejects.toThrow('service down');
    fail = false;
    expect(await check.scan(['hello'])).toEqual([]);
    expect(await check.scan(['hello'])).toEqual([]);
    expect(calls).toBe(2);
  });
});

describe('registry', () => {
  it('registers the three types, and `policy check` reports a rule that names no credentials', async () => {
    await import('../index.js');
    const { guardrailConfigErrors } = await import('../../policy/engine/guardrails.js');
    const base = { id: 'r', hook: 'llm_input' as const, action: 'validate' as const, mode: 'enforce' as const };
    expect(guardrailConfigErrors({ ...base, type: 'openai_moderation', config: { api_key: 'env:OPENAI_API_KEY' } })).toEqual([]);
    expect(guardrailConfigErrors({ ...base, type: 'azure_content_safety', config: { endpoint: 'https://cs.example.com', api_key: 'keychain:cs', severity: 3 } })).toEqual(['config.severity: use 2 (low), 4 (medium) or 6 (high)']);
    expect(guardrailConfigErrors({ ...base, type: 'bedrock_guardrail', config: { guardrail_id: 'abc123' } })[0]).toMatch(/name a Bedrock provider/);
  });
});
