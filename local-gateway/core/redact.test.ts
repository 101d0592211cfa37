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
