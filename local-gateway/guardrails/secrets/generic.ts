import type { Candidate, Outcome } from './checks.js';
import { isWordy } from './heuristics.js';

/**
 * Heuristics for `generic_secret`: a value is a secret because of the name it is given, so
 * the name and the value both have to look the part. Code is full of `token`, `password`
 * and `secret` that name no secret (`max_tokens`, `tokenizer`, `secretName`,
 * `password: string`, `token = getToken()`); these rules keep those quiet.
 */

// The word right after the keyword says the value is about the secret, not the secret.
const AFTER_DENY = new Set([
  'name', 'names', 'id', 'ids', 'type', 'types', 'url', 'uri', 'endpoint', 'path', 'file', 'filename', 'dir',
  'length', 'len', 'count', 'size', 'field', 'fields', 'header', 'env', 'var', 'ref', 'reference', 'prefix',
  'suffix', 'hash', 'hashed', 'digest', 'policy', 'expiry', 'expires', 'expiration', 'ttl', 'timeout',
  'format', 'pattern', 'regex', 'label', 'placeholder', 'hint', 'input', 'limit', 'limits', 'usage', 'index',
  'version', 'store', 'storage', 'manager', 'provider', 'service', 'mode', 'enabled', 'required', 'arn',
  'location', 'source', 'strategy', 'rotation', 'created', 'updated', 'validator', 'reset', 'confirm',
  'confirmation', 'min', 'max', 'template', 'schema', 'class', 'kind', 'param', 'option', 'options',
  'config', 'settings', 'description', 'help', 'text', 'message', 'error', 'title', 'prompt', 'rule',
  'mask', 'visible', 'strength', 'cache', 'scope', 'scopes', 'audience', 'issuer', 'lifetime', 'budget',
  'encoding', 'algorithm', 'alg', 'bits', 'vault', 'mount', 'volume', 'query', 'claim', 'claims', 'method',
]);

// The word right before the keyword makes it something else: pagination, CSRF, token counts, tokenizer specials.
const BEFORE_DENY = new Set([
  'page', 'next', 'prev', 'previous', 'continuation', 'cursor', 'csrf', 'xsrf', 'sync', 'cancel', 'cancellation',
  'max', 'min', 'num', 'total', 'input', 'output', 'prompt', 'completion', 'cached', 'reasoning', 'eos', 'bos',
  'pad', 'unk', 'sep', 'mask', 'cls', 'special', 'start', 'end', 'stop', 'reset', 'forgot', 'confirm', 'show',
  'hide', 'toggle', 'validate', 'check', 'hashed', 'encrypted', 'is', 'has', 'use', 'require', 'verify',
  'last', 'first', 'lexer', 'parse', 'no', 'skip', 'count', 'design', 'css', 'color', 'theme', 'old', 'allow', 'with',
  'public', 'publishable', 'primary', 'sort', 'partition', 'cache', 'foreign', 'idempotency', 'site', 'by',
]);

// Secrets people reach for in examples and tests.
const WEAK = ['test', 'secret', 'passw', 'admin', 'demo', 'dummy', 'foo', 'baz', 'letmein', 'hunter2', 'abc123', '123456', 'mypass', 'token', 'apikey', 'api_key', 'api-key', 'sample', 'default', 'none', 'null', 'undefined'];
const isWeak = (value: string) => {
  const lower = value.toLowerCase();
  return WEAK.some((w) => lower.includes(w));
};

const words = (s: string) =>
  s
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());

export function keyOk(key: NonNullable<Candidate['key']>): boolean {
  const hit = key.name.slice(key.at, key.at + key.length);
  // `…_KEY` names a secret in an environment variable (`MAILGUN_KEY=`); in code `cache_key`, `sort_key` name anything.
  if (hit.toLowerCase() === '_key' && !/^[A-Z0-9_]+$/.test(key.name)) return false;
  const next = key.name[key.at + key.length];
  // `tokenizer`, `tokens`, `secretary`, `TOKENS`: the keyword is part of a longer word.
  if (next && /[a-z]/.test(next)) return false;
  if (next && /[A-Z]/.test(next) && hit === hit.toUpperCase()) return false;
  const after = words(key.name.slice(key.at + key.length))[0];
  const before = words(key.name.slice(0, key.at)).at(-1);
  return !(after && AFTER_DENY.has(after)) && !(before && BEFORE_DENY.has(before));
}

// A value that names where the secret is rather than being it: `env:X`, `keychain:x`,
// `vault:…`, `arn:aws:…`, a URL, `$VAR`, `%VAR%`, or an escape that starts a string (`\\n…`).
const REFERENCE = /^(?:[a-z][a-z0-9+-]{1,15}:|\$[A-Za-z_{(]|%[A-Za-z_]|\\)|:\/\//;
// A path: segments that are words (`/run/secrets/db`, `~/.ssh/id_rsa`, `/Users/jane`), where
// a base64 value that happens to start with `/` has mixed-case noise.
const PATH = /^(?:~|\.{1,2})?(?:\/[A-Z]?[a-z0-9_.@-]*)+$/;

// In unquoted code, a dotted name (`t!.value`), a call or an UPPER_SNAKE constant is a variable, not a literal.
const CODE_REF = /^[A-Za-z_$][\w$]*[!?]?(?:\.[A-Za-z_$][\w$]*[!?]?)+$|[()[\]{}<>]|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

// `Uint8Array`, `X-Amz-Credential`, `Content-Type`: names made of words, not random characters.
function madeOfWords(value: string): boolean {
  const pieces = value.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])/g) ?? [];
  const letters = pieces.reduce((n, p) => n + p.length, 0);
  // A word has vowels (about 40% of its letters); a random lower-case run has about 20%.
  const isWord = (p: string) => /^[A-Z]?[a-z]{2,}$/.test(p) && (p.match(/[aeiouy]/gi)?.length ?? 0) >= 0.3 * p.length;
  const inWords = pieces.filter(isWord).reduce((n, p) => n + p.length, 0);
  return letters > 0 && inWords >= 0.75 * letters;
}

export function valueOk(value: string, quoted: boolean): boolean {
  if (REFERENCE.test(value) || PATH.test(value) || isWeak(value)) return false;
  // A literal `\n` or `\r` inside: the value ran on into the next line of an escaped string.
  if (/\\[nrt]/.test(value)) return false;
  if (!quoted && (CODE_REF.test(value) || madeOfWords(value))) return false;
  if (!/\d/.test(value) && /^[A-Za-z]+(?:-[A-Za-z]+)+$/.test(value) && madeOfWords(value)) return false;
  if (!/[A-Za-z]/.test(value) || isWordy(value)) return false;
  // `sk-bench`, `my-app-secret`: one letter case, no digit, no symbol beyond separators is a name.
  if (!/\d/.test(value) && !(/[a-z]/.test(value) && /[A-Z]/.test(value)) && !/[^A-Za-z0-9_.-]/.test(value)) return false;
  // Letters only is a word or an identifier, unless quoted and random-looking: random letters
  // are about half upper case, words in camelCase (`CorrectHorseBatteryStaple`) far fewer.
  if (/^[A-Za-z]+$/.test(value)) {
    const upper = value.replace(/[^A-Z]/g, '').length / value.length;
    return quoted && value.length >= 12 && upper >= 0.3 && upper <= 0.7;
  }
  return true;
}

export function genericValue(c: Candidate): Outcome {
  if (!c.key || !keyOk(c.key)) return 'fail';
  return valueOk(c.body, c.quoted ?? false) ? 'pass' : 'fail';
}

/** A command-line flag's value reads like a quoted one: a reference (`$DB_PASS`), a weak or word-made value is no secret. */
export function cliValue(c: Candidate): Outcome {
  return valueOk(c.body, true) ? 'pass' : 'fail';
}

/** For the linear-time proof. */
export const GENERIC_PATTERNS: readonly RegExp[] = [REFERENCE, PATH, CODE_REF];
