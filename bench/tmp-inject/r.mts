import { checkSync } from 'recheck';
import { PHRASES, ANCHOR_SOURCE } from '/work/wt-inject/local-gateway/guardrails/prompt-injection/phrases.ts';
import { CONTEXT_PATTERNS } from '/work/wt-inject/local-gateway/guardrails/prompt-injection/context.ts';
import { HIDDEN_PATTERNS } from '/work/wt-inject/local-gateway/guardrails/prompt-injection/hidden.ts';
import { ENCODED_PATTERNS } from '/work/wt-inject/local-gateway/guardrails/prompt-injection/encoded.ts';
const all: [string, string][] = [...PHRASES.map((p) => [p.source, 'gi'] as [string, string]), [ANCHOR_SOURCE, 'gi'], ...[...CONTEXT_PATTERNS, ...HIDDEN_PATTERNS, ...ENCODED_PATTERNS].map((r) => [r.source, r.flags] as [string, string])];
for (const [s, f] of all) {
  const t = Date.now();
  const r = checkSync(s, f);
  if (r.status !== 'safe' || Date.now() - t > 500) console.log(r.status, Date.now() - t, s.slice(0, 100), r.status === 'vulnerable' ? (r as any).attack?.pattern : (r as any).error);
}
console.log('done', all.length);
