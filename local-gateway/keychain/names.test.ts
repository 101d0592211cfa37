import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.js';
import { forgetKey, kindOf, listKeys, readKeyIndex, recordKey } from './names.js';

const file = () => join(mkdtempSync(join(tmpdir(), 'gatehouse-names-')), 'keys.json');
const config = ConfigSchema.parse({ providers: [{ id: 'openai', kind: 'openai', base_url: 'https://api.openai.com/v1', api_key: 'keychain:openai-work' }] });

describe('the key index', () => {
  it('keeps names, kinds and set times in a 0600 file, and no value', () => {
    const f = file();
    recordKey(f, 'openai-work', kindOf('openai-work', config), new Date('2026-01-02T03:04:05Z'));
    recordKey(f, 'pat', kindOf('pat', config));
    expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(readKeyIndex(f).keys['openai-work']).toEqual({ kind: 'provider', set_at: '2026-01-02T03:04:05.000Z' });
    expect(listKeys(f, config).map((k) => [k.name, k.kind])).toEqual([
      ['openai-work', 'provider'],
      ['pat', 'pat'],
    ]);
    expect(forgetKey(f, 'pat')).toBe(true);
    expect(forgetKey(f, 'pat')).toBe(false);
    expect(forgetKey(f, 'openai-work')).toBe(true);
    expect(existsSync(f)).toBe(false);
  });

  it('names kinds: pat, token, provider when the config references it, else other', () => {
    expect(kindOf('pat', null)).toBe('pat');
    expect(kindOf('local-token.0123456789ab', null)).toBe('token');
    expect(kindOf('openai-work', config)).toBe('provider');
    expect(kindOf('openai-work', null)).toBe('other');
    // A key set before the config that uses it becomes a provider key in the list.
    const f = file();
    recordKey(f, 'openai-work', 'other');
    expect(listKeys(f, config)[0]!.kind).toBe('provider');
    expect(readFileSync(f, 'utf8')).toContain('"other"');
  });

  it('reads a damaged index as empty instead of failing every keys command, and moves it aside', () => {
    const f = file();
    writeFileSync(f, '{"keys": {"x": {"kind": "bogus"}}}');
    const moved: string[] = [];
    expect(readKeyIndex(f, (to) => moved.push(to))).toEqual({ keys: {} });
    expect(moved).toHaveLength(1);
    expect(readFileSync(moved[0]!, 'utf8')).toBe('{"keys": {"x": {"kind": "bogus"}}}');
    writeFileSync(f, 'not json');
    expect(listKeys(f, null, (to) => moved.push(to))).toEqual([]);
    // The next `keys set` writes a fresh index; the damaged ones are still there to recover names from.
    recordKey(f, 'openai', 'provider');
    expect(Object.keys(readKeyIndex(f).keys)).toEqual(['openai']);
    expect(moved.map((m) => readFileSync(m, 'utf8'))).toEqual(['{"keys": {"x": {"kind": "bogus"}}}', 'not json']);
  });
});
