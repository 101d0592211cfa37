import { describe, expect, it } from 'vitest';
import { GatehouseError, openAIErrorBody } from './errors.js';
import { createLogger } from './log.js';
import { holdsSecret, knownSecrets, redactHeaders, redactSecrets, registerSecret } from './redact.js';

describe('redaction', () => {
  it('masks every known secret wherever it occurs, longest first, and ignores values too short to be keys', () => {
    const secrets = ['sk-abc-0123456789', 'sk-abc-0123456789-longer', 'short'];
    expect(redactSecrets('a sk-abc-0123456789-longer b sk-abc-0123456789 c short', secrets)).toBe('a [redacted] b [redacted] c short');
    expect(holdsSecret('nothing here', secrets)).toBe(false);
    expect(holdsSecret('x sk-abc-0123456789', secrets)).toBe(true);
    // Characters that mean something in a regular expression are matched literally.
    expect(redactSecrets('k=a.b*c+d?(e)[f]$1', ['a.b*c+d?(e)[f]$1'])).toBe('k=[redacted]');
    expect(redactSecrets('k=aXb*c+d?(e)[f]$1', ['a.b*c+d?(e)[f]$1'])).toBe('k=aXb*c+d?(e)[f]$1');
  });

  it('finds each of many secrets at any position, next to each other, overlapping, and in text with wide characters', () => {
    const secrets = Array.from({ length: 40 }, (_, i) => `key-${i.toString(36)}-${'Zq9x'.repeat(1 + (i % 3))}`);
    const filler = 'code ké 日本 {"a":"b"} '.repeat(50);
    for (const secret of secrets) {
      for (const text of [secret, `${filler}${secret}`, `${secret}${filler}`, `${filler}${secret.slice(0, -1)}|${secret}${filler}`]) {
        expect(holdsSecret(text, secrets)).toBe(true);
        expect(redactSecrets(text, [secret]).includes(secret)).toBe(false);
      }
      // One character short, or one changed, is not the secret.
      expect(holdsSecret(`${filler}${secret.slice(0, -1)}`, [secret])).toBe(false);
      expect(holdsSecret(`${filler}${secret.slice(1)}`, [secret])).toBe(false);
    }
    // Two secrets sharing their first characters, back to back and overlapping.
    expect(redactSecrets('xsk-aaaaaaaa1sk-aaaaaaaa2y', ['sk-aaaaaaaa1', 'sk-aaaaaaaa2'])).toBe('x[redacted][redacted]y');
    expect(redactSecrets('aaaaaaaaaab', ['aaaaaaaaab'])).toBe('a[redacted]');
    // A list that grows is scanned for its new secrets too.
    const growing = ['first-secret-1'];
    expect(holdsSecret('has second-secret-2', growing)).toBe(false);
    growing.push('second-secret-2');
    expect(holdsSecret('has second-secret-2', growing)).toBe(true);
  });

  it('replaces credential headers and masks secrets inside any other header', () => {
    const out = redactHeaders(
      { Authorization: 'Bearer x', 'x-api-key': 'k', 'api-key': 'k', 'x-goog-api-key': 'k', cookie: 'c', 'x-note': 'pasted sk-abc-0123456789' },
      ['sk-abc-0123456789'],
    );
    expect(out).toEqual({
      authorization: '[redacted]',
      'x-api-key': '[redacted]',
      'api-key': '[redacted]',
      'x-goog-api-key': '[redacted]',
      cookie: '[redacted]',
      'x-note': 'pasted [redacted]',
    });
  });

  it('masks a registered secret in coded errors, their rendered body and log lines, including one registered later', () => {
    registerSecret('sk-registered-early-0123456789');
    const err = new GatehouseError('GH_ERR_UPSTREAM_ERROR', 'Provider said: bad key sk-registered-early-0123456789 and sk-registered-late-0123456789');
    expect(err.message).toBe('Provider said: bad key [redacted] and sk-registered-late-0123456789');
    registerSecret('sk-registered-late-0123456789');
    expect(openAIErrorBody(err).error.message).toBe('Provider said: bad key [redacted] and [redacted]');
    const lines: string[] = [];
    const log = createLogger('info', knownSecrets(), (l) => {
      lines.push(l);
      return true;
    });
    registerSecret('sk-registered-after-the-logger-01');
    log.warn('upstream refused', { key: 'sk-registered-after-the-logger-01' });
    expect(lines[0]).toContain('key="[redacted]"');
  });
});

describe('a secret spelled in base64 or percent-encoding', () => {
  it('is masked at every alignment inside a longer encoded text, standard and URL-safe, and percent-encoded', () => {
    const secret = 'sk-spell-0123456789+/abcdefgh';
    registerSecret(secret);
    for (const prefix of ['', 'a', 'ab', 'key=']) {
      const b64 = Buffer.from(`${prefix}${secret} and more`).toString('base64');
      expect(holdsSecret(b64), `after ${JSON.stringify(prefix)}`).toBe(true);
      expect(Buffer.from(redactSecrets(b64).replaceAll('[redacted]', ''), 'base64').toString('latin1')).not.toContain('0123456789');
      expect(holdsSecret(b64.replaceAll('+', '-').replaceAll('/', '_'))).toBe(true);
    }
    expect(redactSecrets(`q=${encodeURIComponent(secret)}`)).toBe('q=[redacted]');
    const percent = [...Buffer.from(secret)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    expect(redactSecrets(percent)).toBe('[redacted]');
    expect(redactSecrets(percent.toUpperCase())).toBe('[redacted]');
  });
});

describe('a secret spelled with written-out \\u escapes in an error message', () => {
  it('is masked in the message clients and traces get', () => {
    const secret = 'sk-written-escapes-0123456789';
    registerSecret(secret);
    const spelled = [...secret].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    const err = new GatehouseError('GH_ERR_UPSTREAM_ERROR', `Provider "p" rejected its credentials (401: ${spelled})`);
    expect(err.message).toBe('Provider "p" rejected its credentials (401: [redacted])');
    expect(JSON.stringify(openAIErrorBody(err))).not.toContain('u0073');
  });
});
