import { PATTERNS } from './patterns.js';
import { isWord, type Span } from './span.js';

/**
 * Email addresses. Found from each `@` (rare in code, so `indexOf` skips most of a text)
 * by growing the local part left and the domain right, then checking the shape: a domain of
 * two or more labels ending in an alphabetic TLD.
 *
 * Not emails: `@decorators` and `@scope/pkg` (no local part), `pkg@1.2.3` (numeric TLD),
 * `icon@2x.png` (a file extension is no TLD), `git@github.com:org/repo` (scp syntax),
 * `https://user:pass@host` (URL credentials), docs placeholders (`you@example.com`) and
 * robot mailboxes (`noreply@…`).
 */

// File extensions that are not TLDs, so `logo@2x.png` or `a@b.min.js` are assets, not mail.
const FILE_EXTENSIONS = new Set([
  'png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'ico', 'bmp', 'avif', 'js', 'mjs', 'cjs', 'ts', 'tsx', 'jsx',
  'css', 'scss', 'less', 'json', 'map', 'html', 'htm', 'lock', 'yaml', 'yml', 'txt', 'vue', 'wasm', 'toml',
]);

const CODE_AT = 64;
const CODE_DOT = 46;
const CODE_DASH = 45;

function isLocalChar(c: number): boolean {
  // RFC 5322 allows more (! # $ & ' * / = ? ^ ` { | } ~), but those are almost always code around an '@'.
  return isWord(c) || c === CODE_DOT || c === CODE_DASH || c === 43 /* + */ || c === 37 /* % */;
}

function isDomainChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === CODE_DOT || c === CODE_DASH;
}

function validDomain(domain: string): boolean {
  if (domain.length > 253) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  const tld = labels[labels.length - 1]!;
  if (!PATTERNS.tld.test(tld) || FILE_EXTENSIONS.has(tld.toLowerCase())) return false;
  return labels.every((l) => PATTERNS.domainLabel.test(l));
}

/** What stands before the local part says whether this is a URL's credentials or a path rather than an address. */
function urlBefore(text: string, start: number): boolean {
  const c = text.charCodeAt(start - 1);
  if (c === 47 /* / */ || c === 92 /* \ */) return true;
  // `mailto:` is the one ':' an address may follow; `user:pass@host` is a URL's credentials.
  return c === 58 && !text.slice(Math.max(0, start - 7), start).toLowerCase().endsWith('mailto:');
}

/** scp syntax `user@host:path` (git remotes, shell prompts `root@box:~$`). */
function scpAfter(text: string, end: number): boolean {
  if (text.charCodeAt(end) !== 58) return false;
  const next = text.charCodeAt(end + 1);
  return isWord(next) || next === 47 || next === 126 /* ~ */;
}

function emailAt(text: string, at: number): Span | null {
  let start = at;
  while (start > 0 && isLocalChar(text.charCodeAt(start - 1))) start--;
  // A local part starts and ends with neither '.' nor '-' (sentence punctuation before it, a range `a-b@`).
  while (start < at && (text.charCodeAt(start) === CODE_DOT || text.charCodeAt(start) === CODE_DASH)) start++;
  if (start === at || at - start > 64 || text.charCodeAt(at - 1) === CODE_DOT) return null;
  let end = at + 1;
  while (end < text.length && isDomainChar(text.charCodeAt(end))) end++;
  // The sentence's full stop or a trailing dash is not part of the domain.
  while (end > at + 1 && (text.charCodeAt(end - 1) === CODE_DOT || text.charCodeAt(end - 1) === CODE_DASH)) end--;
  const after = text.charCodeAt(end);
  if (after === CODE_AT || after === 95 /* _ */) return null;
  const local = text.slice(start, at);
  const domain = text.slice(at + 1, end);
  if (local.includes('..') || !validDomain(domain)) return null;
  if (urlBefore(text, start) || scpAfter(text, end)) return null;
  if (PATTERNS.robotLocal.test(local)) return null;
  if (PATTERNS.placeholderLocal.test(local) && PATTERNS.placeholderDomain.test(domain)) return null;
  return { type: 'email', start, end };
}

export function findEmails(text: string, out: Span[]): void {
  let at = text.indexOf('@');
  while (at !== -1) {
    const span = emailAt(text, at);
    if (span) out.push(span);
    at = text.indexOf('@', span ? span.end : at + 1);
  }
}

/** The domain of an email value, lower-cased, for the allow list. */
export function emailDomain(value: string): string {
  return value.slice(value.lastIndexOf('@') + 1).toLowerCase();
}
