/**
 * What masking known secrets costs a trace: `tsx bench/redact.ts`. Builds an agent-sized
 * (256 KiB) chat body and times `buildTrace`'s masking step for a body without any secret
 * (the usual case) and one carrying a secret, with 4 known secrets as a gateway with a token, two provider keys and a PAT holds,
 * each in every spelling the gateway masks.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { holdsSecret, redactSecrets, secretSpellings } from '../local-gateway/core/redact.js';
import { maskJsonText } from '../local-gateway/pipeline/trace-mask.js';

// Shaped like the real ones: a fixed prefix, then random base64url.
const random = (prefix: string) => prefix + randomBytes(30).toString('base64url');
const RAW = [random('gh_local_'), random('sk-proj-'), random('sk-ant-api03-'), random('ghp_')];
// What a gateway masks: every spelling of each (base64 at three alignments, percent-encoded), as `registerSecret` lists them.
const SECRETS = RAW.flatMap(secretSpellings);
const KIB = 256;

function body(withSecret: boolean): string {
  const turns: { role: string; content: string }[] = [];
  let size = 0;
  for (let i = 0; size < KIB * 1024; i++) {
    const content = `Turn ${i}: refactor the module so that the retry policy is read from config; keep the tests green. `.repeat(8);
    turns.push({ role: i % 2 ? 'assistant' : 'user', content });
    size += content.length + 40;
  }
  if (withSecret) turns[turns.length - 1]!.content += ` my key is ${RAW[1]}`;
  return JSON.stringify({ model: 'openai/gpt-4o-mini', messages: turns });
}

let sink = 0;
/** The plain check alone (what traces ran before JSON escapes were decoded), and the trace's masking now. */
const plainMask = (t: string) => (holdsSecret(t, SECRETS) ? redactSecrets(t, SECRETS) : t);
const traceMask = (t: string) => maskJsonText(t, SECRETS);

function time(label: string, text: string, mask: (t: string) => string = traceMask, rounds = 2000): void {
  for (let i = 0; i < 200; i++) sink += mask(text).length;
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    sink += mask(text).length;
    samples.push((performance.now() - t0) * 1000);
  }
  samples.sort((a, b) => a - b);
  const p = (q: number) => samples[Math.floor(q * (samples.length - 1))]!.toFixed(1);
  console.log(`${label.padEnd(28)} ${(text.length / 1024).toFixed(0)} KiB  p50 ${p(0.5)} µs  p99 ${p(0.99)} µs`);
}

time('plain check, no secret', body(false), plainMask);
time('plain check, one secret', body(true), plainMask);
time('no secret in the body', body(false));
time('one secret in the body', body(true));
time('escaped secret in the body', body(true).replace(RAW[1]!, `\\u0073${RAW[1]!.slice(1)}`));
time('non-ASCII escapes, no secret', body(false).replaceAll('retry', '\\u00e9retry'));
if (sink === 0) console.log('(nothing measured)');
