import { describe, expect, it } from 'vitest';
import { guardrailConfigErrors, runGuardrails } from '../../policy/engine/guardrails.js';
import { Placeholders } from '../../policy/engine/placeholders.js';
import type { Guardrail, ResolvedTier } from '../../policy/schema.js';
import { PII } from './index.js';
import './index.js';

const rule = (config: unknown = {}, extra: Partial<Guardrail> = {}) =>
  ({ id: 'pii', type: 'pii', hook: 'llm_input', action: 'mutate', mode: 'enforce', config, ...extra }) as Guardrail;
const checkFor = (config: Record<string, unknown> = {}) => PII.create(PII.config.parse(config), rule(config));

describe('pii config', () => {
  it('takes the documented defaults', () => {
    expect(PII.config.parse({})).toEqual({
      entities: ['email', 'phone', 'credit_card', 'iban', 'ssn', 'ip_address'],
      phone_regions: ['US', 'GB', 'DE', 'FR', 'IN'],
      restore: true,
      allow: [],
      report_test_cards: false,
      private_ips: true,
    });
  });

  it('names what is wrong with a bad config', () => {
    expect(guardrailConfigErrors(rule({ entities: ['email', 'passport'] }))[0]).toMatch(/^config\.entities\.1: /);
    expect(guardrailConfigErrors(rule({ phone_regions: ['usa'] }))[0]).toContain('two-letter region code');
    expect(guardrailConfigErrors(rule({ phone_regions: ['US', 'XX'] }))).toEqual([
      'guardrail pii: phone_regions XX are not regions libphonenumber knows; use ISO 3166 codes such as US, GB, DE.',
    ]);
    expect(guardrailConfigErrors(rule({ entity: ['email'] }))[0]).toContain('entity');
    expect(guardrailConfigErrors(rule({ entities: [] }))[0]).toContain('at least one entity');
  });
});

describe('pii redact', () => {
  it('puts one typed placeholder per value, the same in every text, numbered by first appearance', () => {
    const check = checkFor();
    const texts = ['mail jane@acme.io or bob@acme.io', 'again: jane@acme.io, call +44 20 7946 0958', 'card 4539 1488 0343 6467'];
    const names = new Placeholders(() => texts);
    const out = check.redact(texts, check.scan(texts) as never, names);
    expect(out).toEqual(['mail <EMAIL_1> or <EMAIL_2>', 'again: <EMAIL_1>, call <PHONE_1>', 'card <CREDIT_CARD_1>']);
    expect([...names.restorable]).toEqual([
      ['<EMAIL_1>', 'jane@acme.io'],
      ['<EMAIL_2>', 'bob@acme.io'],
      ['<PHONE_1>', '+44 20 7946 0958'],
      ['<CREDIT_CARD_1>', '4539 1488 0343 6467'],
    ]);
  });

  it('names IBAN, SSN and IP placeholders, and restores nothing with restore: false', () => {
    const check = checkFor({ restore: false });
    const texts = ['DE89370400440532013000 / SSN 536-22-8714 / 203.0.113.42'];
    const names = new Placeholders(() => texts);
    expect(check.redact(texts, check.scan(texts) as never, names)).toEqual(['<IBAN_1> / SSN <SSN_1> / <IP_ADDRESS_1>']);
    expect(names.restorable.size).toBe(0);
  });

  it('never hands out a placeholder the prompt already holds', () => {
    const check = checkFor();
    const texts = ['the template says <EMAIL_1>; mine is jane@acme.io'];
    expect(check.redact(texts, check.scan(texts) as never, new Placeholders(() => texts))).toEqual(['the template says <EMAIL_1>; mine is <EMAIL_2>']);
  });

  it('keeps the allow list out: literal values, numbers however grouped, and email domains', () => {
    const check = checkFor({ allow: ['example.com', 'support@acme.io', '+44 20 7946 0958', 'DE89 3704 0044 0532 0130 00'] });
    const text = 'a@example.com b@mx.example.com support@acme.io jane@acme.io +442079460958 DE89370400440532013000';
    const found = (check.scan([text]) as { start: number; end: number }[]).map((f) => text.slice(f.start, f.end));
    expect(found).toEqual(['jane@acme.io']);
  });
});

describe('pii in the engine', () => {
  const tier = (g: Partial<Guardrail>) => ({ guardrails: [rule({}, g)] }) as unknown as ResolvedTier;
  const facts = { api: 'chat.completions', metadata: {} } as never;
  const role = { tier: 'dev', enforced: true };

  it('mutates in enforce, records only in audit, blocks in validate', async () => {
    const texts = ['reach me at jane@acme.io'];
    const mutated = await runGuardrails(tier({}), 'llm_input', facts, texts, role);
    expect(mutated.texts).toEqual(['reach me at <EMAIL_1>']);
    expect(mutated.verdicts[0]).toMatchObject({ decision: 'mutate', findings: [{ type: 'email', start: 12, end: 24, detail: 'input[0]' }] });
    const audited = await runGuardrails(tier({ mode: 'audit' }), 'llm_input', facts, texts, role);
    expect(audited.texts).toBe(texts);
    expect(audited.verdicts[0]).toMatchObject({ decision: 'mutate', mode: 'audit' });
    const blocked = await runGuardrails(tier({ action: 'validate' }), 'llm_input', facts, texts, role);
    expect(blocked.verdicts[0]).toMatchObject({ decision: 'block', mode: 'enforce' });
    expect(JSON.stringify([mutated.verdicts, blocked.verdicts])).not.toContain('jane@acme.io');
  });

  it('the next turn gets the findings of a long message from the memo, not from a new scan', () => {
    const check = checkFor();
    const long = `${'const x = 1;\n'.repeat(100)}owner: jane@acme.io\n`;
    const first = check.scan([long, 'short one']) as object[];
    const second = check.scan([long, 'short two', 'call (415) 555-2671']) as object[];
    expect(second[0]).toBe(first[0]);
    expect(Object.isFrozen(second[0])).toBe(true);
    expect(second).toHaveLength(2);
  });

  it('a remembered long text keeps its spans wherever it sits in the next request', async () => {
    const check = checkFor();
    const long = `${'const x = 1;\n'.repeat(100)}owner: jane@acme.io\n`;
    const at = long.indexOf('jane');
    expect(check.scan([long, 'call (415) 555-2671'])).toEqual([
      { type: 'email', text: 0, start: at, end: at + 12 },
      { type: 'phone', text: 1, start: 5, end: 19 },
    ]);
    // The next turn: a new message first, the remembered one second.
    expect(check.scan(['mail bob@acme.io', long])).toEqual([
      { type: 'email', text: 0, start: 5, end: 16 },
      { type: 'email', text: 1, start: at, end: at + 12 },
    ]);
  });
});
