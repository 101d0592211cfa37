/**
 * The property suite's parts: fast-check arbitraries for hostile client bodies and upstream
 * answers, a stand-in provider whose next answer the test sets, and the secret encodings the
 * invariants look for. `GATEHOUSE_FUZZ_RUNS` and `GATEHOUSE_FUZZ_SEED` set the count and the
 * seed (`npm run fuzz` runs a longer one).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { startStandinServer, type StandinServer } from '../standins/http-server.js';

export const FUZZ_SEED = Number(process.env.GATEHOUSE_FUZZ_SEED ?? 13);
export const FUZZ_RUNS = Number(process.env.GATEHOUSE_FUZZ_RUNS ?? 100);

/** Every spelling of a secret an invariant looks for: plain, JSON-escaped, base64, URL-encoded. */
export function encodings(secret: string): string[] {
  const b64 = Buffer.from(secret).toString('base64').replace(/=+$/, '');
  const hex = [...Buffer.from(secret)].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
  const unicode = [...secret].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
  return [secret, unicode, b64, b64.replaceAll('+', '-').replaceAll('/', '_'), encodeURIComponent(secret), hex];
}

/** Which encodings of which secrets a text holds (JSON `\u` escapes decoded first, as a reader would). */
export function leaks(text: string, secrets: readonly string[]): string[] {
  const decoded = text.replace(/\\u([0-9a-fA-F]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return secrets.flatMap((s) => encodings(s).filter((e) => text.includes(e) || decoded.includes(e)));
}

/** Files under a directory whose bytes hold a secret in any encoding, each with the spelling found and what surrounds it. */
export function filesLeaking(dir: string, secrets: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      out.push(...filesLeaking(path, secrets));
      continue;
    }
    const text = readFileSync(path, 'latin1');
    for (const found of leaks(text, secrets)) {
      const at = text.indexOf(found);
      out.push(`${path}: ${found} in ${JSON.stringify(at === -1 ? '(after decoding \\u escapes)' : text.slice(Math.max(0, at - 80), at + found.length + 40))}`);
    }
  }
  return out;
}

/** A secret spelled so a naive scan of the raw text misses it. */
export const secretSpelling = (secret: string): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constant(secret),
    fc.nat({ max: secret.length - 1 }).map((i) => `${secret.slice(0, i)}\\u${secret.charCodeAt(i).toString(16).padStart(4, '0')}${secret.slice(i + 1)}`),
    fc.constant(encodings(secret)[1]!),
    fc.constant(encodings(secret)[2]!),
    fc.constant(encodings(secret)[5]!),
  );

/** A JSON value with wrong types in every position: numbers, nulls, arrays, objects, strings of any code point. */
export const anyJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 4 });

/** Replaces the value at one random path of `base` with `value` (wrong types at every path). */
export function mutateAt(base: unknown, pick: number, value: unknown): unknown {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(base, []);
  const path = paths[pick % paths.length]!;
  if (path.length === 0) return value;
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let at: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  at[path.at(-1)!] = value;
  return copy;
}

/** Raw body bytes from a JSON value and a mangling: none, a BOM, a duplicate key, invalid UTF-8, deep nesting, a huge string, truncation. */
export const mangling = fc.constantFrom('none', 'bom', 'duplicate', 'bad-utf8', 'deep', 'huge', 'truncate', 'not-json');
export type Mangling = 'none' | 'bom' | 'duplicate' | 'bad-utf8' | 'deep' | 'huge' | 'truncate' | 'not-json';

export function mangle(value: unknown, how: Mangling, depth: number): Buffer {
  const text = JSON.stringify(value) ?? 'null';
  switch (how) {
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    case 'duplicate':
      return Buffer.from(text.startsWith('{') && text.length > 2 ? `{"model":"oai/x",${text.slice(1)}` : text);
    case 'bad-utf8': {
      const at = text.indexOf('"') + 1;
      return Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(text.slice(at))]);
    }
    case 'deep':
      return Buffer.from(text.startsWith('{') ? `{"x":${'['.repeat(depth)}${']'.repeat(depth)},${text.slice(1)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`);
    case 'huge':
      return Buffer.from(text.startsWith('{') ? `{"pad":"${'a'.repeat(2_000_000)}",${text.slice(1)}` : text);
    case 'truncate':
      return Buffer.from(text.slice(0, Math.floor(text.length / 2)));
    case 'not-json':
      return Buffer.from(`model=${encodeURIComponent(text)}`);
    default:
      return Buffer.from(text);
  }
}

/** An answer the hostile provider gives next. */
export interface HostileAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

/** A valid answer for the path, cut short or padded with garbage; or random bytes; or SSE of random lines. */
export function hostileAnswer(path: 'chat' | 'messages', secret: string): fc.Arbitrary<HostileAnswer> {
  const valid =
    path === 'chat'
      ? { id: 'c', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1 } }
      : { id: 'm', type: 'message', role: 'assistant', content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', usage: { input_tokens: 1, output_tokens: 1 } };
  const json = (v: unknown) => ({ status: 200, contentType: 'application/json', body: Buffer.from(JSON.stringify(v) ?? 'null') });
  const sse = (lines: string[]) => ({ status: 200, contentType: 'text/event-stream', body: Buffer.from(lines.map((l) => `${l}\n\n`).join('')) });
  return fc.oneof(
    fc.nat({ max: 200 }).map((n) => ({ ...json(valid), body: json(valid).body.subarray(0, n) })),
    fc.tuple(fc.nat({ max: 50 }), anyJson).map(([pick, v]) => json(mutateAt(valid, pick, v))),
    anyJson.map(json),
    fc.uint8Array({ maxLength: 300 }).map((b) => ({ status: 200, contentType: 'application/json', body: Buffer.from(b) })),
    fc.array(fc.oneof(fc.string(), anyJson.map((v) => `data: ${JSON.stringify(v)}`), fc.constant('data: [DONE]')), { maxLength: 6 }).map(sse),
    secretSpelling(secret).map((s) => json(mutateAt(valid, 5, s))),
    fc.tuple(fc.constantFrom(400, 401, 404, 429, 500, 503), fc.oneof(anyJson, secretSpelling(secret))).map(([status, v]) => ({ ...json({ error: { message: v } }), status })),
  );
}

export interface HostileProvider extends StandinServer {
  next: HostileAnswer;
}

/** A provider at any path that answers whatever `next` holds. */
export async function startHostileProvider(): Promise<HostileProvider> {
  const state: { next: HostileAnswer } = { next: { status: 200, contentType: 'application/json', body: Buffer.from('{}') } };
  const server = await startStandinServer((_req, res) => {
    const a = state.next;
    res.writeHead(a.status, { 'content-type': a.contentType, 'content-length': String(a.body.length) });
    res.end(a.body);
  });
  return {
    ...server,
    get next() {
      return state.next;
    },
    set next(a: HostileAnswer) {
      state.next = a;
    },
  };
}
