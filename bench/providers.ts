/**
 * `npx tsx bench/providers.ts`: what converting to a provider's native wire format costs.
 * (1) The pure converters alone: an agent-sized chat request to Gemini and to Converse, SigV4
 * signing, and one stream event through each stream converter (Bedrock's including the
 * event-stream frame decode). (2) End to end through one in-process gateway: the same small
 * chat request, complete and streamed, to the OpenAI stand-in (pass-through), the Gemini
 * stand-in and the Bedrock stand-in (converted), interleaved rounds on one keep-alive
 * connection. The stand-ins run in the same process, so (2) compares kinds, it does not give
 * absolute gateway latency (`npm run bench` does). See bench/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fromUtf8 } from '@smithy/util-utf8';
import { codec } from '../local-gateway/providers/bedrock/event-stream.js';
import { chatToConverse } from '../local-gateway/providers/bedrock/request.js';
import { signRequest } from '../local-gateway/providers/bedrock/signing.js';
import { converseStreamToChat } from '../local-gateway/providers/bedrock/stream.js';
import { chatToGemini } from '../local-gateway/providers/gemini/request.js';
import { GeminiStreamConverter } from '../local-gateway/providers/gemini/response.js';
import type { ChatRequestBody } from '../local-gateway/providers/chat-request.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY } from '../test/helpers/gateway.js';
import { startBedrockStandin } from '../test/standins/bedrock-upstream.js';
import { startGeminiStandin } from '../test/standins/gemini-upstream.js';
import { startOpenAIStandin } from '../test/standins/openai-upstream.js';
import { percentiles, sequentialLatency, type Percentiles, type Target } from './lib/measure.js';

const N = { micro: 2000, microWarmup: 200, e2e: 400, e2eWarmup: 50 };
const nowUs = () => Number(process.hrtime.bigint()) / 1000;

async function micro(fn: () => unknown): Promise<Percentiles> {
  for (let i = 0; i < N.microWarmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < N.micro; i++) {
    const start = nowUs();
    await fn();
    samples.push(nowUs() - start);
  }
  return percentiles(samples);
}

/** An agent-sized conversation (~256 KiB) with tool calls and results, as chat completions. */
function agentRequest(): ChatRequestBody {
  const code = 'export function handler(req, res) {\n  return res.json({ ok: true, id: req.params.id });\n}\n'.repeat(40);
  const messages: ChatRequestBody['messages'] = [{ role: 'system', content: 'You are a coding agent.' }];
  for (let i = 0; JSON.stringify(messages).length < 256 * 1024; i++) {
    messages.push({ role: 'user', content: `step ${i}\n${code}` });
    messages.push({ role: 'assistant', content: null, tool_calls: [{ id: `call_${i}`, type: 'function', function: { name: 'read_file', arguments: `{"path":"src/f${i}.ts"}` } }] });
    messages.push({ role: 'tool', tool_call_id: `call_${i}`, content: code });
  }
  return { messages, tools: [{ type: 'function', function: { name: 'read_file', parameters: { type: 'object', properties: { path: { type: 'string' } } } } }] };
}

async function microBenches(): Promise<Record<string, Percentiles>> {
  const body = agentRequest();
  const geminiEvent = JSON.stringify({ candidates: [{ content: { parts: [{ text: 'a short piece of streamed text' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 412, totalTokenCount: 412 } });
  const str = (value: string) => ({ type: 'string' as const, value });
  const frame = codec.encode({
    headers: { ':event-type': str('contentBlockDelta'), ':content-type': str('application/json'), ':message-type': str('event') },
    body: fromUtf8(JSON.stringify({ contentBlockIndex: 0, delta: { text: 'a short piece of streamed text' }, p: 'abcdefghijkl' })),
  });
  const gemini = new GeminiStreamConverter('m');
  const signed = { url: new URL('https://bedrock-runtime.us-east-1.amazonaws.com'), path: '/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse', headers: { 'content-type': 'application/json' }, body: JSON.stringify(chatToConverse(body)) };
  const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
  async function* frames() {
    yield frame;
  }
  return {
    'chat → Gemini request (256 KiB agent turn)': await micro(() => chatToGemini(body)),
    'chat → Converse request (256 KiB agent turn)': await micro(() => chatToConverse(body)),
    'SigV4 sign (256 KiB body)': await micro(() => signRequest(signed, 'us-east-1', creds)),
    'Gemini SSE event → chunk': await micro(() => gemini.event(geminiEvent)),
    'ConverseStream frame decode → chunk': await micro(async () => {
      for await (const _ of converseStreamToChat(frames(), 'm')) void _;
    }),
  };
}

interface Pair {
  kind: string;
  direct: Target;
  gateway: Target;
}

/** Each kind called directly in its own wire format, and through the gateway as chat completions. */
function pairs(urls: { openai: string; gemini: string; bedrock: string }, gateway: string): Pair[] {
  const messages = [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'Say hello to the benchmark in one short sentence.' }];
  const t = (name: string, base: string, path: string, headers: Record<string, string>, body: unknown): Target => {
    const url = new URL(base);
    const text = JSON.stringify(body);
    return { name, origin: url.origin, path: url.pathname.replace(/\/+$/, '') + path, headers: { 'content-type': 'application/json', ...headers }, body: text, streamBody: text };
  };
  const viaGateway = (name: string, model: string, stream: boolean) => t(name, gateway, '/v1/chat/completions', { authorization: `Bearer ${TEST_TOKEN}` }, { model, messages, ...(stream ? { stream } : {}) });
  const native = chatToGemini({ messages });
  const converse = chatToConverse({ messages });
  const out: Pair[] = [];
  for (const stream of [false, true]) {
    const s = stream ? ', stream' : '';
    // The gateway asks OpenAI-wire providers for stream usage; the direct call asks too.
    out.push({ kind: `openai (pass-through)${s}`, direct: t('direct', urls.openai, '/chat/completions', { authorization: `Bearer ${UPSTREAM_KEY}` }, { model: 'bench-model', messages, ...(stream ? { stream, stream_options: { include_usage: true } } : {}) }), gateway: viaGateway('gw', 'oa/bench-model', stream) });
    out.push({ kind: `gemini (converted)${s}`, direct: t('direct', urls.gemini, `/models/bench-model:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`, { 'x-goog-api-key': UPSTREAM_KEY }, native), gateway: viaGateway('gw', 'gem/bench-model', stream) });
    out.push({ kind: `bedrock (converted)${s}`, direct: t('direct', urls.bedrock, `/model/bench-model/${stream ? 'converse-stream' : 'converse'}`, { authorization: `Bearer ${UPSTREAM_KEY}` }, converse), gateway: viaGateway('gw', 'br/bench-model', stream) });
  }
  return out.map((p) => ({ ...p, direct: { ...p.direct, name: `${p.kind} direct` }, gateway: { ...p.gateway, name: `${p.kind} gateway` } }));
}

async function endToEnd(): Promise<{ kind: string; direct: Percentiles; gateway: Percentiles }[]> {
  const openai = await startOpenAIStandin({ record: false });
  const gemini = await startGeminiStandin({ apiKey: UPSTREAM_KEY });
  const bedrock = await startBedrockStandin({ region: 'us-east-1', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', apiKey: UPSTREAM_KEY });
  const gw = await startGateway({
    providers: [
      { id: 'oa', kind: 'openai', base_url: openai.url, api_key: 'env:UPSTREAM_KEY' },
      { id: 'gem', kind: 'gemini', base_url: gemini.url, api_key: 'env:UPSTREAM_KEY' },
      // A Bedrock API key: the stand-in then spends nothing verifying signatures (signing is measured above).
      { id: 'br', kind: 'bedrock', region: 'us-east-1', base_url: bedrock.url, api_key: 'env:UPSTREAM_KEY' },
    ],
  });
  try {
    const list = pairs({ openai: openai.url, gemini: gemini.url, bedrock: bedrock.url }, gw.url);
    const results = await sequentialLatency(list.flatMap((p) => [p.direct, p.gateway]), N.e2e, N.e2eWarmup);
    return list.map((p) => ({ kind: p.kind, direct: results.get(p.direct.name)!, gateway: results.get(p.gateway.name)! }));
  } finally {
    await gw.close();
    await Promise.all([openai.close(), gemini.close(), bedrock.close()]);
  }
}

const fmt = (p: Percentiles) => `p50 ${p.p50.toFixed(1).padStart(8)} µs   p99 ${p.p99.toFixed(1).padStart(8)} µs   (n=${p.n})`;
const microResults = await microBenches();
console.log('Converters alone');
for (const [name, p] of Object.entries(microResults)) console.log(`  ${name.padEnd(46)} ${fmt(p)}`);
const e2e = await endToEnd();
console.log('Through the gateway vs the stand-in called directly (stand-ins in process; whole response; p50 / p99 µs)');
for (const r of e2e) {
  const added = (q: 'p50' | 'p99') => (r.gateway[q] - r.direct[q]).toFixed(0).padStart(6);
  console.log(`  ${r.kind.padEnd(30)} direct ${r.direct.p50.toFixed(0).padStart(6)} / ${r.direct.p99.toFixed(0).padStart(6)}   gateway ${r.gateway.p50.toFixed(0).padStart(6)} / ${r.gateway.p99.toFixed(0).padStart(6)}   added ${added('p50')} / ${added('p99')}`);
}
mkdirSync('test-results', { recursive: true });
writeFileSync('test-results/bench-providers.json', JSON.stringify({ micro: microResults, e2e }, null, 2));
