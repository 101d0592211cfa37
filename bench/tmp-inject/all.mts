import { check } from 'recheck';
import { PHRASES, ANCHOR_SOURCE } from '../../local-gateway/guardrails/prompt-injection/phrases.ts';
import { CONTEXT_PATTERNS } from '../../local-gateway/guardrails/prompt-injection/context.ts';
import { HIDDEN_PATTERNS } from '../../local-gateway/guardrails/prompt-injection/hidden.ts';
import { ENCODED_PATTERNS } from '../../local-gateway/guardrails/prompt-injection/encoded.ts';
const all: [string, string][] = [...PHRASES.map((p) => [p.source, 'gi'] as [string, string]), [ANCHOR_SOURCE, 'gi'], ...[...CONTEXT_PATTERNS, ...HIDDEN_PATTERNS, ...ENCODED_PATTERNS].map((r) => [r.source, r.flags] as [string, string])];
const t0 = Date.now();
for (const [s, f] of all) {
  const t = Date.now();
  const r: any = await check(s, f, { timeout: 60000 });
  if (r.status !== 'safe' || Date.now() - t > 1500) console.log(r.status, r.checker, Date.now() - t, s.slice(0, 80), r.attack?.pattern ?? r.error ?? '');
}
console.log('total', Date.now() - t0, all.length);
