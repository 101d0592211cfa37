/**
 * Stand-in for bedrock-runtime.{region}.amazonaws.com: `POST /model/{modelId}/converse` and
 * `/converse-stream` in the Converse wire format, streams as AWS event-stream binary frames
 * encoded with Smithy's codec (the AWS SDKs'), errors as Bedrock words them (`{"message"}`
 * with `x-amzn-errortype`).
 *
 * Authentication is checked as AWS does: a SigV4 `authorization` header is parsed (shape,
 * credential scope, signed headers) and its signature recomputed from the request as
 * received with the known secret; or a Bedrock API key as a bearer token. Requests are
 * checked too: no unknown fields, a conversation that starts with the user and alternates,
 * toolConfig present when tool blocks are, and each toolResult answering a toolUse of the
 * turn before. Scenarios by model id: `tool-call`, `max-tokens`, `cached`, `throttle` (429),
 * `bad-request` (400), `stream-throttle` and `model-stream-error` (exception events
 * mid-stream), `cut-stream`, `matrix-text` and `matrix-tool` (see `matrix-scenario.ts`), and the bad answers of `bad-answers.ts`. Other models echo the last user text.
 */
import type { ServerResponse } from 'node:http';
import { EventStreamCodec, type MessageHeaders } from '@smithy/core/event-streams';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { MATRIX_USAGE, isMatrixModel, matrixReply } from './matrix-scenario.js';
import { playBadAnswer } from './bad-answers.js';
import { sendJson, startStandinServer, write, type StandinRequest, type StandinServer } from './http-server.js';

export interface BedrockStandinOptions {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, requests may instead carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
}

interface Block {
  text?: string;
  image?: { format: string; source: { bytes: string } };
  toolUse?: { toolUseId: string; name: string; input: unknown };
  toolResult?: { toolUseId: string; content: unknown[] };
}
interface ConverseBody {
  messages?: { role: string; content: Block[] }[];
  toolConfig?: { tools: { toolSpec: { name: string } }[] };
  inferenceConfig?: Record<string, unknown>;
}

const FIELDS = new Set(['messages', 'system', 'inferenceConfig', 'toolConfig', 'guardrailConfig', 'additionalModelRequestFields', 'promptVariables', 'additionalModelResponseFieldPaths', 'requestMetadata', 'performanceConfig']);
const codec = new EventStreamCodec(toUtf8, fromUtf8);
const Sha256 = Hash.bind(null, 'sha256');
const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([a-z0-9-]+)\/bedrock\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

function awsError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { message }, { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': crypto.randomUUID() });
}

/** Why AWS would refuse this request's signature, or null when it verifies. */
export async function checkSignature(req: StandinRequest, opts: BedrockStandinOptions): Promise<string | null> {
  const auth = String(req.headers.authorization ?? '');
  if (opts.apiKey && auth === `Bearer ${opts.apiKey}`) return null;
  const m = AUTH.exec(auth);
  if (!m) return 'Authorization header requires \'Credential\', \'SignedHeaders\' and \'Signature\' parameters in the AWS4-HMAC-SHA256 form.';
  const [, keyId, day, region, signedList] = m;
  if (keyId !== opts.accessKeyId) return 'The security token included in the request is invalid.';
  if (region !== opts.region) return `Credential should be scoped to a valid region.`;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(day!)) return 'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.';
  const signed = signedList!.split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-date')) return 'host and x-amz-date must be signed.';
  const headers: Record<string, string> = {};
  for (const h of signed) headers[h] = String(req.headers[h] ?? '');
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const signer = new SignatureV4({ service: 'bedrock', region: opts.region, credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey, sessionToken: headers['x-amz-security-token'] || undefined }, sha256: Sha256 });
  const [hostname, port] = headers.host!.split(':');
  const expected = await signer.sign(
    { method: req.method, protocol: 'https:', hostname: hostname!, ...(port ? { port: Number(port) } : {}), path: req.rawPath, query: {}, headers, body: req.text },
    { signingDate, unsignableHeaders: new Set(Object.keys(req.headers).filter((h) => !signed.includes(h))) },
  );
  return expected.headers.authorization === auth ? null : 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
}

/** What Bedrock would refuse in this Converse body, or null. */
function validate(body: ConverseBody & Record<string, unknown>): string | null {
  const extra = Object.keys(body).find((k) => !FIELDS.has(k));
  if (extra) return `Malformed input request: extraneous key [${extra}] is not permitted, please reformat your input and try again.`;
  const messages = body.messages ?? [];
  if (messages[0]?.role !== 'user') return 'A conversation must start with a user message. Try again with a conversation that starts with a user message.';
  let uses: string[] = [];
  for (const [i, m] of messages.entries()) {
    if (i > 0 && messages[i - 1]!.role === m.role) return 'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.';
    const tools = m.content.some((b) => b.toolUse || b.toolResult);
    if (tools && !body.toolConfig) return 'The toolConfig field must be defined when using toolUse and toolResult content blocks.';
    const results = m.content.filter((b) => b.toolResult).map((b) => b.toolResult!.toolUseId);
    if (results.length > 0 && results.join() !== uses.join()) return 'The number of toolResult blocks at messages.' + i + '.content exceeds the number of toolUse blocks of previous turn.';
    uses = m.content.filter((b) => b.toolUse).map((b) => b.toolUse!.toolUseId);
    if (m.content.some((b) => b.text === '')) return 'The text field in the ContentBlock object is blank. Add text to the text field, and try again.';
  }
  return null;
}

/** The reply: a tool use for `tool-call`, an answer to a tool result, else an echo. */
function reply(model: string, body: ConverseBody): { text: string } | { toolUse: { toolUseId: string; name: string; input: unknown } } {
  const last = body.messages!.at(-1)!;
  const result = last.content.find((b) => b.toolResult)?.toolResult;
  if (isMatrixModel(model)) return matrixOut(model, body, result);
  if (result) return { text: `result of ${result.toolUseId}: ${JSON.stringify(result.content)}` };
  const tool = body.toolConfig?.tools[0]?.toolSpec.name;
  if (model === 'tool-call' && tool) return { toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: tool, input: { city: 'Paris' } } };
  const text = last.content.map((b) => b.text ?? '').join(' ').trim();
  const images = last.content.filter((b) => b.image).length;
  return { text: `echo: ${text}${images > 0 ? ` [${images} image]` : ''}` };
}

/** The matrix scenarios: a tool result is a toolResult block (text or json) in the last turn. */
function matrixOut(model: string, body: ConverseBody, result: Block['toolResult']): { text: string } | { toolUse: { toolUseId: string; name: string; input: unknown } } {
  const resultText = result ? result.content.map((c) => { const b = c as { text?: string; json?: unknown }; return b.text ?? JSON.stringify(b.json); }).join('') : null;
  const lastUser = [...body.messages!].reverse().find((m) => m.role === 'user' && m.content.some((b) => b.text !== undefined));
  const r = matrixReply(model, lastUser?.content.map((b) => b.text ?? '').join(' ').trim() ?? '', resultText);
  return r.kind === 'text' ? { text: r.text } : { toolUse: { toolUseId: 'tooluse_MatrixRound0000000000', name: r.name, input: r.input } };
}

function usage(model: string, body: ConverseBody, out: unknown) {
  if (isMatrixModel(model)) {
    // Bedrock's inputTokens leaves out cache reads; Converse has no reasoning count.
    const u = MATRIX_USAGE;
    return { inputTokens: u.input - u.cached, outputTokens: u.output, totalTokens: u.input + u.output, cacheReadInputTokens: u.cached, cacheWriteInputTokens: 0 };
  }
  const input = Math.max(1, Math.ceil(JSON.stringify(body.messages).length / 4));
  const output = Math.max(1, Math.ceil(JSON.stringify(out).length / 4));
  const cacheRead = model === 'cached' ? 1024 : 0;
  return { inputTokens: input, outputTokens: output, totalTokens: input + output + cacheRead, ...(model === 'cached' ? { cacheReadInputTokens: cacheRead, cacheWriteInputTokens: 0 } : {}) };
}

function frame(kind: 'event' | 'exception', type: string, payload: unknown): Uint8Array {
  const str = (value: string) => ({ type: 'string' as const, value });
  const typeHeader: MessageHeaders = kind === 'event' ? { ':event-type': str(type) } : { ':exception-type': str(type) };
  return codec.encode({ headers: { ...typeHeader, ':content-type': str('application/json'), ':message-type': str(kind) }, body: fromUtf8(JSON.stringify(payload)) });
}

async function converseStream(res: ServerResponse, model: string, body: ConverseBody): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': crypto.randomUUID() });
  // Real events carry a random-length "p" field that pads them against size side channels.
  const event = (type: string, payload: object) => write(res, frame('event', type, { ...payload, p: 'abcdefghijklmnopqrstuvwxyz'.slice(0, 5 + type.length) }));
  const out = reply(model, body);
  await event('messageStart', { role: 'assistant' });
  if ('text' in out) {
    const half = Math.ceil(out.text.length / 2);
    await event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: out.text.slice(0, half) } });
    if (model === 'cut-stream') return void res.destroy();
    if (model === 'stream-throttle' || model === 'model-stream-error') {
      const [type, message] = model === 'stream-throttle' ? ['throttlingException', 'Too many tokens, please wait before trying again.'] : ['modelStreamErrorException', 'The model stream failed: received an invalid chunk.'];
      await write(res, frame('exception', type!, { message }));
      return void res.end();
    }
    await event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: out.text.slice(half) } });
    await event('contentBlockStop', { contentBlockIndex: 0 });
  } else {
    const input = JSON.stringify(out.toolUse.input);
    await event('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: out.toolUse.toolUseId, name: out.toolUse.name } } });
    for (const piece of ['', input.slice(0, 6), input.slice(6)]) await event('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: piece } } });
    await event('contentBlockStop', { contentBlockIndex: 0 });
  }
  await event('messageStop', { stopReason: 'toolUse' in out ? 'tool_use' : model === 'max-tokens' ? 'max_tokens' : 'end_turn' });
  await event('metadata', { usage: usage(model, body, out), metrics: { latencyMs: 42 } });
  res.end();
}

/** The bad answers (`bad-answers.ts`) in Converse's wire format; a broken frame is one whose checksum does not match. */
function badWire() {
  const broken = frame('event', 'contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'cut off' } });
  broken[broken.length - 1] = broken[broken.length - 1]! ^ 0xff;
  return {
    wrongShape: { output: 'nope', stopReason: 'end_turn', usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } },
    stream: { contentType: 'application/vnd.amazon.eventstream', good: frame('event', 'messageStart', { role: 'assistant' }), broken },
  };
}

export interface BedrockStandin extends StandinServer {
  /** The runtime endpoint to configure as `base_url`. */
  url: string;
}

export async function startBedrockStandin(opts: BedrockStandinOptions): Promise<BedrockStandin> {
  const server = await startStandinServer(async (req, res) => {
    const refused = await checkSignature(req, opts);
    if (refused) return awsError(res, 403, refused.includes('token') ? 'UnrecognizedClientException' : 'InvalidSignatureException', refused);
    const m = /^\/model\/([^/]+)\/(converse|converse-stream)$/.exec(req.path);
    if (req.method !== 'POST' || !m) return awsError(res, 404, 'UnknownOperationException', `Unknown operation ${req.method} ${req.path}`);
    const model = decodeURIComponent(m[1]!);
    const body = req.body as ConverseBody & Record<string, unknown>;
    const problem = validate(body);
    if (problem) return awsError(res, 400, 'ValidationException', problem);
    if (model === 'throttle') return awsError(res, 429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
    if (model === 'bad-request') return awsError(res, 400, 'ValidationException', 'The provided model identifier is invalid.');
    if (await playBadAnswer(res, model, m[2] === 'converse-stream', badWire())) return;
    if (m[2] === 'converse-stream') return converseStream(res, model, body);
    const out = reply(model, body);
    const stopReason = 'toolUse' in out ? 'tool_use' : model === 'max-tokens' ? 'max_tokens' : 'end_turn';
    sendJson(res, 200, { metrics: { latencyMs: 42 }, output: { message: { content: [out], role: 'assistant' } }, stopReason, usage: usage(model, body, out) }, { 'x-amzn-requestid': crypto.randomUUID() });
  });
  return { ...server, url: server.origin };
}
