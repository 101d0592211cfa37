/**
 * Remote guardrails on a growing agent conversation: what the gateway sends the service
 * and what it costs locally. 50 turns, each adding a ~10 KB message of code to the
 * conversation (500 KB at the end), scanned by `openai_moderation` against the in-process
 * stand-in: calls, texts and bytes sent per turn (only the new message should go), and the
 * local time of a scan whose every text is already known.
 *
 *   npx tsx bench/guardrails-remote.ts
 */
import { closeGuardrailPools, setGuardrailRuntime } from '../local-gateway/guardrails/remote/index.js';
import { createOpenAIModeration, OpenAIModerationConfig } from '../local-gateway/guardrails/remote/openai-moderation.js';
import { GuardrailSchema } from '../local-gateway/policy/schema.js';
import { startModerationStandin } from '../test/standins/openai-moderation.js';

const KEY = 'sk-bench-moderation-key-0123456789';
const TURNS = 50;
const line = 'export function handler(req: Request): Response { return json({ ok: true, id: req.id }); }\n';
const message = (turn: number) => `turn ${turn}: please review this file\n${line.repeat(110)}`;

const standin = await startModerationStandin({ apiKey: KEY });
setGuardrailRuntime({ env: { KEY }, providers: [] });
const rule = GuardrailSchema.parse({ id: 'bench', type: 'openai_moderation', hook: 'llm_input', action: 'validate' });
const check = createOpenAIModeration(OpenAIModerationConfig.parse({ base_url: standin.url, api_key: 'env:KEY' }), rule);

const conversation: string[] = ['You are a coding agent.'];
let sentBytes = 0;
let sentTexts = 0;
const started = performance.now();
for (let turn = 1; turn <= TURNS; turn++) {
  conversation.push(message(turn));
  const before = standin.requests.length;
  await check.scan([...conversation]);
  for (const r of standin.requests.slice(before)) {
    sentBytes += r.text.length;
    sentTexts += (r.body as { input: string[] }).input.length;
  }
}
const total = performance.now() - started;
const finalChars = conversation.reduce((n, t) => n + t.length, 0);

// Every text known: the cost a turn pays when nothing is new (lookups and whole-text
// comparisons). Each round gets fresh string copies, as a parsed request body has.
const rounds = 50;
const copies = Array.from({ length: rounds }, () => JSON.parse(JSON.stringify(conversation)) as string[]);
const t0 = performance.now();
for (const copy of copies) await check.scan(copy);
const knownMs = (performance.now() - t0) / rounds;

console.log(`turns: ${TURNS}, final conversation: ${(finalChars / 1024).toFixed(0)} KiB in ${conversation.length} texts`);
console.log(`calls: ${standin.requests.length}, texts sent: ${sentTexts}, bytes sent: ${(sentBytes / 1024).toFixed(0)} KiB (a resend of everything each turn would be ${((finalChars * (TURNS + 1)) / 2 / 1024).toFixed(0)} KiB)`);
console.log(`50 turns against the local stand-in: ${total.toFixed(0)} ms; a scan of the final conversation with every text known: ${knownMs.toFixed(3)} ms`);
await closeGuardrailPools();
await standin.close();
