import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { cliValue, genericValue, keyOk, valueOk } from './generic.js';
import { entropy, isPlaceholder, isWordy } from './heuristics.js';
import type { CheckName } from './rules.js';

/** A possible secret: its span in the text (checks may widen it) and the random part the heuristics read. */
export interface Candidate {
  text: string;
  start: number;
  end: number;
  body: string;
  match?: RegExpExecArray;
  /** For assignments: the key name, where its keyword sits in it, and whether the value was quoted. */
  key?: { name: string; at: number; length: number };
  quoted?: boolean;
}

/** `proven`: the format's own checksum holds, so placeholder and entropy heuristics are skipped. */
export type Outcome = 'pass' | 'fail' | 'proven';

// Documented example credentials (Stripe's docs test keys, jwt.io's sample token, GitHub's docs PAT), kept as
// SHA-256 so this file carries nothing credential-shaped. Examples containing EXAMPLE
// (AWS's documented access key id ends in it) are caught by the placeholder words instead.
const DOCUMENTED = new Set([
  '2cafc0970149a84f3b9e62eaf169f36f59907a3b3e31f7b82e68c69cd27f7326', // Stripe docs test key
  'f2d6ca16515033e5dce14eba840b979d27b5cbae24bb3e5bf484339667f86397', // Stripe docs test key (older docs)
  '7f75367e7881255134e1375e723d1dea8ad5f6a4fdb79d938df1f1754a830606', // jwt.io's sample HS256 token
  '3543c50b0cb9cea8e55eb1f529b79f043cb250d485fde7b66cabbb5183add7da', // GitHub docs' sample classic PAT
]);

export function isDocumentedExample(value: string): boolean {
  return DOCUMENTED.has(createHash('sha256').update(value).digest('hex'));
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** GitHub-style tokens end in the base62 CRC32 of their 30 random characters (github.blog, 2021-04-05). */
export function githubChecksumValid(body: string): boolean {
  if (body.length !== 36) return false;
  let n = crc32(body.slice(0, 30));
  let encoded = '';
  while (n > 0) {
    encoded = BASE62[n % 62]! + encoded;
    n = Math.floor(n / 62);
  }
  return encoded.padStart(6, '0') === body.slice(30);
}

function jwtHeader(c: Candidate): Outcome {
  const header = c.text.slice(c.start, c.text.indexOf('.', c.start));
  try {
    const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && typeof (parsed as { alg?: unknown }).alg === 'string' ? 'pass' : 'fail';
  } catch {
    return 'fail';
  }
}

// The end of a block is searched within this reach; real keys are under 4 KB (RSA 4096 ~3.3 KB).
const PEM_REACH = 16 * 1024;
const PEM_END = /-----END (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----/y;
// RFC 1421 headers of encrypted keys and OpenPGP armor headers, then base64 lines with real or JSON-escaped newlines.
const PEM_HEADERS = /(?:Proc-Type|DEK-Info|Comment|Version|Hash|Charset):[^\n\\]*/g;
const PEM_CHARS = /^(?:[A-Za-z0-9+/=\s]|\\[nr])*$/;
const PEM_TRAIL = /[A-Za-z0-9+/=\s\\]/;
const PEM_MIN_ENTROPY = 4;

/** Widens a BEGIN line to its whole block; a docs stub (`...`, `<key>`) has too little base64 to be a key. */
function pemBlock(c: Candidate): Outcome {
  const limit = Math.min(c.text.length, c.end + PEM_REACH);
  const bodyStart = c.end;
  const endAt = c.text.indexOf('-----END ', c.end);
  let bodyEnd: number;
  if (endAt !== -1 && endAt < limit) {
    PEM_END.lastIndex = endAt;
    if (!PEM_END.test(c.text)) return 'fail';
    bodyEnd = endAt;
    c.end = PEM_END.lastIndex;
  } else {
    // A truncated paste: the key material up to the first character no base64 line has.
    bodyEnd = c.end;
    while (bodyEnd < limit && PEM_TRAIL.test(c.text[bodyEnd]!)) bodyEnd++;
    c.end = bodyEnd;
  }
  const body = c.text.slice(bodyStart, bodyEnd).replace(PEM_HEADERS, '');
  if (!PEM_CHARS.test(body)) return 'fail';
  const material = body.replace(/\\[nr]|\s/g, '');
  // Key material is DER, whose zero bytes (length prefixes, OpenSSH's `AAAAAAAAAAAB`) make
  // runs of `A`, so a run proves nothing; a typed filler (`AAAA…`, `abcabc…`) is what has
  // little entropy. Real keys measure 5 to 6 bits per character.
  return material.length >= 64 && entropy(material) >= PEM_MIN_ENTROPY ? 'proven' : 'fail';
}

const CONN_START = /(?:DefaultEndpointsProtocol|Endpoint|AccountName|BlobEndpoint|HostName|SharedAccessKeyName)=/;
const CONN_CHAR = /[^\s"'`<>]/;
const CONN_REACH = 1024;

/** Widens a key to the connection string around it, which is a credential as a whole. */
function connectionString(c: Candidate): Outcome {
  let left = c.start;
  while (left > 0 && c.start - left < CONN_REACH && CONN_CHAR.test(c.text[left - 1]!)) left--;
  const lead = c.text.slice(left, c.start).search(CONN_START);
  if (lead !== -1) c.start = left + lead;
  let right = c.end;
  while (right < c.text.length && right - c.end < CONN_REACH && CONN_CHAR.test(c.text[right]!)) right++;
  while (right > c.end && /[;,.]/.test(c.text[right - 1]!)) right--;
  c.end = right;
  return 'pass';
}

/** Random tokens mix character classes (`sk-my-words-here` does not) and are not made of words. */
function mixedChars(c: Candidate): Outcome {
  const b = c.body;
  const mixed = /\d/.test(b) || (/[a-z]/.test(b) && /[A-Z]/.test(b));
  return mixed && !isWordy(b) ? 'pass' : 'fail';
}

const DEFAULT_PASSWORDS = /^(?:pass(?:word)?\d*|secret\d*|root|admin|postgres|mysql|guest|user|test\w*|changeme|default|redis|mongo|rabbitmq|minio123|minioadmin)$/i;

/** `postgres://postgres:postgres@…` and other well-known local defaults are not a leak. */
function notUsername(c: Candidate): Outcome {
  const user = c.match?.groups?.user ?? '';
  return c.body === user || DEFAULT_PASSWORDS.test(c.body) ? 'fail' : 'pass';
}

const HCL_SECRET_NAME = /password|passwd|secret|token|api_?key|private_?key|access_?key|credential/gi;
// A variable block closes with `}` at the start of a line; its `default` is one of its own lines.
const HCL_DEFAULT = /^[ \t]*default[ \t]*=[ \t]*"([^"\s\\]{8,256})"[ \t]*$/m;
const HCL_REACH = 1024;

/** `variable "db_password" { default = "…" }`: the default of a variable named as a secret is that secret. */
function hclDefault(c: Candidate): Outcome {
  const name = c.match?.groups?.name ?? '';
  // The last secret word is the one the name is about: `db_password_secret_name` names a secret's name.
  const hit = [...name.matchAll(HCL_SECRET_NAME)].at(-1);
  if (!hit || !keyOk({ name, at: hit.index, length: hit[0].length })) return 'fail';
  const close = c.text.indexOf('\n}', c.end);
  if (close === -1 || close - c.end > HCL_REACH) return 'fail';
  const block = c.text.slice(c.end, close);
  const d = HCL_DEFAULT.exec(block);
  if (!d || !valueOk(d[1]!, true)) return 'fail';
  c.start = c.end + d.index + d[0].indexOf('"') + 1;
  c.end = c.start + d[1]!.length;
  c.body = d[1]!;
  return 'pass';
}

const IMPL: Record<CheckName, (c: Candidate) => Outcome> = {
  github_crc32: (c) => (githubChecksumValid(c.body) ? 'proven' : 'pass'),
  // OpenAI keys carry base64("OpenAI") in the middle.
  openai_marker: (c) => (c.body.includes('T3BlbkFJ') ? 'proven' : 'pass'),
  jwt_header: jwtHeader,
  pem_block: pemBlock,
  connection_string: connectionString,
  mixed_chars: mixedChars,
  not_username: notUsername,
  generic_value: genericValue,
  cli_value: cliValue,
  hcl_default: hclDefault,
};

/** Runs a rule's checks, then (unless a checksum proved it) the placeholder and entropy heuristics. */
export function accept(c: Candidate, checks: readonly CheckName[], minEntropy: number | undefined): boolean {
  let proven = false;
  for (const name of checks) {
    const r = IMPL[name](c);
    if (r === 'fail') return false;
    if (r === 'proven') proven = true;
  }
  if (isDocumentedExample(c.text.slice(c.start, c.end))) return false;
  if (proven) return true;
  if (isPlaceholder(c.body)) return false;
  // A short value cannot reach a high per-character entropy (10 distinct characters give
  // log2(10) = 3.3 at most), so the bar is capped at 85% of what its length allows.
  return minEntropy === undefined || entropy(c.body) >= Math.min(minEntropy, 0.85 * Math.log2(c.body.length));
}

/** For the linear-time proof. */
export const CHECK_PATTERNS: readonly RegExp[] = [HCL_SECRET_NAME, HCL_DEFAULT, PEM_END, PEM_HEADERS, PEM_CHARS, PEM_TRAIL, CONN_START, CONN_CHAR, DEFAULT_PASSWORDS];
