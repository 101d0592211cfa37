/**
 * Stand-in for OpenAI's moderation endpoint (`POST /v1/moderations`) in its wire format:
 * `{model, input}` with input a string or a list of strings, answered with one result per
 * input (`flagged`, `categories`, `category_scores`, `category_applied_input_types`) for the
 * omni-moderation categories; a wrong key gets OpenAI's 401 (which quotes part of the key, as
 * the real one does). A text is flagged for a category by `[[flag:<category>]]` (e.g.
 * `[[flag:self-harm/intent]]`), scored 0.97; failures by the markers of `service-switches.ts`.
 */
import { runIfMain } from './cli.js';
import { sendJson, startStandinServer, type StandinServer } from './http-server.js';
import { flagsIn, play, switchIn, type Switch } from './service-switches.js';

export const MODERATION_CATEGORIES = [
  'harassment', 'harassment/threatening', 'hate', 'hate/threatening', 'illicit', 'illicit/violent',
  'self-harm', 'self-harm/instructions', 'self-harm/intent', 'sexual', 'sexual/minors', 'violence', 'violence/graphic',
] as const;

export interface ModerationStandin extends StandinServer {
  /** The base URL to configure, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  /** Forces a failure for every request while set. */
  mode: Switch | null;
  /** Slow requests whose caller gave up and closed the connection. */
  abandoned: number;
}

const openaiError = (status: number) => ({
  body: { error: { message: status === 429 ? 'Rate limit reached for omni-moderation-latest.' : 'The server had an error while processing your request. Sorry about that!', type: status === 429 ? 'requests' : 'server_error', param: null, code: null } },
});

function result(text: string) {
  const flags = new Set(flagsIn(text).map((f) => f.category));
  const categories: Record<string, boolean> = {};
  const scores: Record<string, number> = {};
  const applied: Record<string, string[]> = {};
  for (const c of MODERATION_CATEGORIES) {
    categories[c] = flags.has(c);
    scores[c] = flags.has(c) ? 0.97 : 0.0004;
    applied[c] = ['text'];
  }
  return { flagged: flags.size > 0, categories, category_scores: scores, category_applied_input_types: applied };
}

export async function startModerationStandin(opts: { apiKey: string }): Promise<ModerationStandin> {
  const standin: ModerationStandin = Object.assign(
    await startStandinServer((req, res) => {
      if (req.method !== 'POST' || req.path !== '/v1/moderations') {
        return sendJson(res, 404, { error: { message: `Invalid URL (${req.method} ${req.path})`, type: 'invalid_request_error', param: null, code: null } });
      }
      const auth = String(req.headers.authorization ?? '');
      if (auth !== `Bearer ${opts.apiKey}`) {
        const given = auth.replace(/^Bearer /, '');
        const shown = given.length > 8 ? `${given.slice(0, 4)}${'*'.repeat(Math.max(0, given.length - 8))}${given.slice(-4)}` : given;
        return sendJson(res, 401, { error: { message: `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
      }
      const body = req.body as { model?: unknown; input?: unknown } | undefined;
      const input = typeof body?.input === 'string' ? [body.input] : body?.input;
      if (!Array.isArray(input) || input.length === 0 || !input.every((t) => typeof t === 'string') || (body?.model !== undefined && typeof body.model !== 'string')) {
        return sendJson(res, 400, { error: { message: "Invalid value for 'input': expected a string or an array of strings.", type: 'invalid_request_error', param: 'input', code: null } });
      }
      const sw = switchIn(input as string[], standin.mode);
      if (sw) return play(res, sw, openaiError, () => void standin.abandoned++);
      sendJson(res, 200, { id: `modr-${crypto.randomUUID().replaceAll('-', '')}`, model: body?.model ?? 'omni-moderation-latest', results: (input as string[]).map(result) });
    }),
    { url: '', mode: null, abandoned: 0 },
  );
  standin.url = `${standin.origin}/v1`;
  return standin;
}

await runIfMain(import.meta.url, () => startModerationStandin({ apiKey: process.env.MODERATION_KEY ?? 'sk-moderation-standin-key' }));
