import { check } from 'recheck';
import { describe, expect, it } from 'vitest';
import { createGuardrailCheck } from '../../policy/engine/index.js';
import '../index.js';
import { ADDRESSED_PATTERNS } from './addressed.js';
import { CONTEXT_PATTERNS } from './context.js';
import { DECODER_PATTERNS } from './decoders.js';
import { ENCODED_PATTERNS } from './encoded.js';
import { HIDDEN_PATTERNS } from './hidden.js';
import { MOOD_PATTERNS } from './mood.js';
import { PHRASES } from './phrases.js';

// Every V8 regex of the detector, as it is compiled: phrases run with `gi`. (Anchors are an automaton, not a regex.)
const PATTERNS: { source: string; flags: string }[] = [
  ...PHRASES.map((p) => ({ source: p.source, flags: 'gi' })),
  ...[...CONTEXT_PATTERNS, ...HIDDEN_PATTERNS, ...ENCODED_PATTERNS, ...ADDRESSED_PATTERNS, ...DECODER_PATTERNS, ...MOOD_PATTERNS].map((r) => ({ source: r.source, flags: r.flags })),
];

/**
 * recheck confirms a fuzzed attack by running it under a wall-clock limit (attackTimeout, 1 s by
 * default): on a loaded machine a safe pattern's run can overrun it and be reported vulnerable.
 * Without it, the attack is judged by the steps the matcher takes, which load does not change.
 * Nor is the whole analysis timed (`timeout`): under load a 60 s limit ran out on one phrase and
 * answered "unknown"; the analysis is bounded by its own step limits, and the test by vitest's.
 */
const RECHECK = { timeout: null, attackTimeout: null };

describe('prompt_injection regexes are linear-time', () => {
  it(
    'recheck proves every built-in pattern safe',
    async () => {
      // One at a time: recheck's agent counts a queued check's wait against its timeout.
      const unsafe: string[] = [];
      for (const p of PATTERNS) {
        const r = await check(p.source, p.flags, RECHECK);
        if (r.status !== 'safe') unsafe.push(`${r.status}: /${r.source}/${r.flags}`);
      }
      expect(unsafe).toEqual([]);
    },
    600_000,
  );

  it('adversarial inputs (long runs of what the patterns repeat) complete', async () => {
    const guard = createGuardrailCheck('prompt_injection');
    const runs = [
      'ignore '.repeat(20_000),
      'ignore all the previous '.repeat(5_000),
      ' '.repeat(100_000),
      '\t\n'.repeat(50_000),
      'a'.repeat(100_000),
      'aB3+'.repeat(25_000),
      '%2'.repeat(50_000),
      'ff'.repeat(50_000),
      '\\x6'.repeat(30_000),
      '<div '.repeat(20_000),
      `<p style="display:none">${'x'.repeat(100_000)}`,
      '<!--'.repeat(25_000),
      '\u200b'.repeat(50_000),
      '\udb40\udc41'.repeat(50_000),
      'you must '.repeat(10_000),
      'pretend you are '.repeat(6_000),
      '"key": "'.repeat(10_000),
      '```\n'.repeat(25_000),
      'vtaber '.repeat(15_000),
      'assistant: '.repeat(10_000),
      'AI assistant, ignore the user '.repeat(4_000),
      'note to the ai agent '.repeat(5_000),
      'SYSTEM: '.repeat(12_000),
      'set aside the rules you were '.repeat(4_000),
      'todo(agent) '.repeat(8_000),
      '1gn0r '.repeat(15_000),
      'i g n o r '.repeat(10_000),
      '0x69, '.repeat(15_000),
      '.. --. -. '.repeat(10_000),
      '&#1'.repeat(30_000),
      '<~'.repeat(40_000),
    ];
    for (const text of runs) {
      const found = await guard.scan([text]);
      expect(Array.isArray(found)).toBe(true);
    }
  });
});
