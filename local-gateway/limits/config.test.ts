import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.js';
import { displayUrl } from './config.js';

const store = (s: Record<string, unknown>) => ConfigSchema.safeParse({ limits: { store: s } });

describe('limits.store', () => {
  it('is absent by default: limits count in process', () => {
    expect(ConfigSchema.parse({}).limits.store).toBeUndefined();
  });

  it('takes a redis URL with the password as a reference, one replica and a 50 ms timeout by default', () => {
    const cfg = ConfigSchema.parse({ limits: { store: { url: 'redis://10.0.0.7:6379/0', password: 'env:REDIS_PASSWORD' } } });
    expect(cfg.limits.store).toEqual({ url: 'redis://10.0.0.7:6379/0', password: 'env:REDIS_PASSWORD', replicas: 1, timeout_ms: 50 });
    expect(cfg.limits.body_mb).toBe(32);
  });

  it('refuses a password in the URL, a literal password, another scheme and a typo, naming the field', () => {
    const cases: [Record<string, unknown>, RegExp, string][] = [
      [{ url: 'redis://:hunter2@10.0.0.7:6379' }, /holds a password/, 'url'],
      [{ url: 'redis://10.0.0.7', password: 'hunter2' }, /env:NAME or keychain:NAME/, 'password'],
      [{ url: 'http://10.0.0.7:6379' }, /redis:\/\//, 'url'],
      [{ url: 'redis://10.0.0.7', replica: 3 }, /replica/, ''],
    ];
    for (const [s, message, field] of cases) {
      const r = store(s);
      expect(r.success).toBe(false);
      const issue = r.error!.issues[0]!;
      expect(`${issue.message} ${JSON.stringify(issue)}`).toMatch(message);
      if (field) expect(issue.path).toEqual(['limits', 'store', field]);
    }
  });

  it('is printed without user info', () => {
    expect(displayUrl('rediss://gatehouse@cache.internal:6380/1')).toBe('rediss://cache.internal:6380/1');
  });
});
