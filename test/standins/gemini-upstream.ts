/**
 * Stand-in for generativelanguage.googleapis.com (v1beta): `models/{model}:generateContent`,
 * `:streamGenerateContent?alt=sse`, `:batchEmbedContents` and `GET models`, in Gemini's wire
 * format, with its error bodies (the recorded ones in test/fixtures/providers/gemini).
 *
 * It checks what the real API checks: the `x-goog-api-key` header, `alt=sse` on streams, no
 * unknown request fields, user/model roles, and that each functionResponse answers a
 * functionCall of the turn before. Scenarios by model name: `tool-call` (calls the first
 * declared function, then answers from its response), `max-tokens`, `fail-500`,
 * `rate-limit`, `bad-request`, `not-found`, `error-in-stream`, `cut-stream`, `matrix-text` and `matrix-tool` (see `matrix-scenario.ts`), and the bad answers of
 * `bad-answers.ts`. Other models echo the last user text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { MATRIX_USAGE, isMatrixModel, matrixReply } from './matrix-scenario.js';
import { BROKEN_SSE, playBadAnswer } from './bad-answers.js';
import { sendJson, startStandinServer, write, type StandinRequest, type StandinServer } from './http-server.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/providers/gemini');
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

interface Part {
  text?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { fileUri: string };
  functionCall?: { name: string; args?: unknown };
  functionResponse?: { name: string; response: unknown };
}
interface Content {
  role?: string;
  parts: Part[];
}
interface GenerateRequest {
  contents?: Content[];
  tools?: { functionDeclarations?: { name: string }[] }[];
  generationConfig?: { maxOutputTokens?: number };
}

const REQUEST_FIELDS = new Set(['contents', 'systemInstruction', 'tools', 'toolConfig', 'generationConfig', 'safetySettings', 'cachedContent']);
const PART_FIELDS = new Set(['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'thought', 'thoughtSignature']);

export const GEMINI_MODELS = ['gemini-2.5-flash', 'gemini-2.5-pro', 'text-embedding-004'];

export interface GeminiStandin extends StandinServer {
  /** Base URL including `/v1beta`. */
  url: string;
}

const googleError = (code: number, message: string, status: string) => ({ error: { code, message, status } });

function invalid(message: string) {
  return googleError(400, message, 'INVALID_ARGUMENT');
}

/** What the real API would refuse in this request, or null. */
function validate(body: GenerateRequest & Record<string, unknown>): unknown {
  const unknown = Object.keys(body).find((k) => !REQUEST_FIELDS.has(k));
  if (unknown) return invalid(`Invalid JSON payload received. Unknown name "${unknown}": Cannot find field.`);
  if (!Array.isArray(body.contents) || body.contents.length === 0) return invalid('* GenerateContentRequest.contents: contents is not specified\n');
  let calls: string[] = [];
  for (const c of body.contents) {
    if (c.role !== 'user' && c.role !== 'model') return invalid(`Please use a valid role: user, model.`);
    for (const p of c.parts) {
      const field = Object.keys(p).find((k) => !PART_FIELDS.has(k));
      if (field) return invalid(`Invalid JSON payload received. Unknown name "${field}" at 'contents[].parts[0]': Cannot find field.`);
    }
    const responses = c.parts.filter((p) => p.functionResponse).map((p) => p.functionResponse!.name);
    if (responses.length > 0 && responses.join() !== calls.join()) {
      return invalid('Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.');
    }
    calls = c.parts.filter((p) => p.functionCall).map((p) => p.functionCall!.name);
  }
  return null;
}

function scenarioError(res: ServerResponse, model: string): boolean {
  if (model === 'fail-500') sendJson(res, 500, googleError(500, 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting', 'INTERNAL'));
  else if (model === 'rate-limit') sendJson(res, 429, fixture('error-rate-limit.json'));
  else if (model === 'bad-request') sendJson(res, 400, invalid('Unable to submit request because it has an empty text parameter. Add a value to the parameter and try again.'));
  else if (model === 'not-found') sendJson(res, 404, googleError(404, `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`, 'NOT_FOUND'));
  else return false;
  return true;
}

/** The answer's parts: an echo, or for `tool-call` a function call and then a reply to its result. */
function replyParts(model: string, body: GenerateRequest): Part[] {
  const last = body.contents!.at(-1)!;
  if (isMatrixModel(model)) return matrixParts(model, body);
  const result = last.parts.find((p) => p.functionResponse);
  if (result) return [{ text: `result of ${result.functionResponse!.name}: ${JSON.stringify(result.functionResponse!.response)}` }];
  const fn = body.tools?.[0]?.functionDeclarations?.[0];
  if (model === 'tool-call' && fn) return [{ functionCall: { name: fn.name, args: { city: 'Paris' } } }];
  const text = last.parts.map((p) => p.text ?? '').join(' ').trim();
  const images = last.parts.filter((p) => p.inlineData || p.fileData).length;
  return [{ text: `echo: ${text}${images > 0 ? ` [${images} image${images > 1 ? 's' : ''}]` : ''}` }];
}

/** The matrix scenarios: a tool result is a functionResponse (plain text comes as `{result}`) in the last turn. */
function matrixParts(model: string, body: GenerateRequest): Part[] {
  const last = body.contents!.at(-1)!;
  const response = last.parts.find((p) => p.functionResponse)?.functionResponse?.response as { result?: unknown } | undefined;
  const result = response === undefined ? null : typeof response.result === 'string' ? response.result : JSON.stringify(response);
  const lastUser = [...body.contents!].reverse().find((c) => c.role === 'user' && c.parts.some((p) => p.text !== undefined));
  const r = matrixReply(model, lastUser?.parts.map((p) => p.text ?? '').join(' ').trim() ?? '', result);
  return r.kind === 'text' ? [{ text: r.text }] : [{ functionCall: { name: r.name, args: r.input } }];
}

function usage(body: GenerateRequest, parts: Part[], done: boolean, model = '') {
  if (isMatrixModel(model)) {
    // Gemini counts thinking apart from the candidates, and cached tokens inside the prompt.
    const u = MATRIX_USAGE;
    if (!done) return { promptTokenCount: u.input, totalTokenCount: u.input };
    return { promptTokenCount: u.input, cachedContentTokenCount: u.cached, candidatesTokenCount: u.output - u.reasoning, thoughtsTokenCount: u.reasoning, totalTokenCount: u.input + u.output };
  }
  const prompt = Math.max(1, Math.ceil(JSON.stringify(body.contents).length / 4));
  if (!done) return { promptTokenCount: prompt, totalTokenCount: prompt };
  const candidates = Math.max(1, Math.ceil(JSON.stringify(parts).length / 4));
  return { promptTokenCount: prompt, candidatesTokenCount: candidates, totalTokenCount: prompt + candidates + 3, promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }], thoughtsTokenCount: 3 };
}

const candidate = (parts: Part[], finishReason?: string) => ({ content: { parts, role: 'model' }, ...(finishReason ? { finishReason } : {}), index: 0 });

async function generate(req: StandinRequest, res: ServerResponse, model: string, stream: boolean): Promise<void> {
  if (stream && req.query.get('alt') !== 'sse') return sendJson(res, 400, invalid('The stand-in speaks SSE only: ask with alt=sse.'));
  const body = req.body as GenerateRequest & Record<string, unknown>;
  const problem = validate(body);
  if (problem) return sendJson(res, 400, problem);
  if (scenarioError(res, model)) return;
  const good = `data: ${JSON.stringify({ candidates: [candidate([{ text: 'fine ' }])], modelVersion: model })}\r\n\r\n`;
  if (await playBadAnswer(res, model, stream, { wrongShape: { candidates: 'nope', modelVersion: model }, stream: { contentType: 'text/event-stream', good, broken: BROKEN_SSE } })) return;
  const parts = replyParts(model, body);
  const finish = model === 'max-tokens' ? 'MAX_TOKENS' : 'STOP';
  const meta = { modelVersion: model, responseId: 'c51kaNnXLu2cz7IP7e6hmAo' };
  if (!stream) return sendJson(res, 200, { candidates: [candidate(parts, finish)], usageMetadata: usage(body, parts, true, model), ...meta });

  res.writeHead(200, { 'content-type': 'text/event-stream', 'x-content-type-options': 'nosniff' });
  const event = (data: unknown) => write(res, `data: ${JSON.stringify(data)}\r\n\r\n`);
  const text = parts[0]?.text;
  // Text streams in pieces; function calls come whole in one event, as Gemini sends them.
  const pieces = text ? [text.slice(0, Math.ceil(text.length / 2)), text.slice(Math.ceil(text.length / 2))] : [];
  if (pieces.length > 0) {
    await event({ candidates: [candidate([{ text: pieces[0] }])], usageMetadata: usage(body, parts, false, model), ...meta });
    if (model === 'cut-stream') return void res.destroy();
    if (model === 'error-in-stream') {
      await event(googleError(503, 'The model is overloaded. Please try again later.', 'UNAVAILABLE'));
      return void res.end();
    }
  }
  const last = pieces.length > 0 ? [{ text: pieces[1] }] : parts;
  await event({ candidates: [candidate(last, finish)], usageMetadata: usage(body, parts, true, model), ...meta });
  res.end();
}

async function embed(req: StandinRequest, res: ServerResponse, model: string): Promise<void> {
  if (await playBadAnswer(res, model, false, { wrongShape: { embeddings: 'nope' }, stream: { contentType: 'text/event-stream', good: '', broken: BROKEN_SSE } })) return;
  const body = req.body as { requests?: { model: string; content: { parts: Part[] } }[] };
  if (!Array.isArray(body.requests)) return sendJson(res, 400, invalid('* BatchEmbedContentsRequest.requests: requests is not specified'));
  const embeddings = body.requests.map((r) => {
    const text = r.content.parts.map((p) => p.text ?? '').join('');
    return { values: Array.from({ length: 8 }, (_, i) => Math.round(Math.sin(text.length + i) * 1000) / 1000) };
  });
  sendJson(res, 200, { embeddings });
}

export async function startGeminiStandin(opts: { apiKey: string }): Promise<GeminiStandin> {
  const server = await startStandinServer(async (req, res) => {
    if (req.headers['x-goog-api-key'] !== opts.apiKey) return sendJson(res, 400, fixture('error-api-key.json'));
    if (req.method === 'GET' && req.path === '/v1beta/models') {
      return sendJson(res, 200, {
        models: GEMINI_MODELS.map((m) => ({
          name: `models/${m}`,
          version: '001',
          displayName: m,
          supportedGenerationMethods: m.startsWith('text-embedding') ? ['embedContent', 'batchEmbedContents'] : ['generateContent', 'countTokens', 'streamGenerateContent'],
        })).concat([{ name: 'models/imagen-4.0-generate-001', version: '001', displayName: 'Imagen 4', supportedGenerationMethods: ['predict'] }]),
      });
    }
    const m = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/.exec(req.path);
    if (req.method !== 'POST' || !m) return sendJson(res, 404, googleError(404, `Not found: ${req.method} ${req.path}`, 'NOT_FOUND'));
    if (m[2] === 'batchEmbedContents') return embed(req, res, decodeURIComponent(m[1]!));
    await generate(req, res, decodeURIComponent(m[1]!), m[2] === 'streamGenerateContent');
  });
  return { ...server, url: `${server.origin}/v1beta` };
}
