/**
 * Stand-in for Azure AI Content Safety (`{endpoint}/contentsafety/text:analyze` and
 * `text:shieldPrompt`, `?api-version=` required) in its wire format: the key in
 * `Ocp-Apim-Subscription-Key`, texts over 10,000 characters refused as the service does,
 * answers `{blocklistsMatch, categoriesAnalysis: [{category, severity}]}` in four severity
 * levels. A text gets severity N in a category by `[[flag:<Category>:<N>]]` (6 without N);
 * blocklists match their items case-insensitively; Prompt Shields detects an attack in a
 * prompt with `[[attack]]`. Failures by the markers of `service-switches.ts`.
 */
import { runIfMain } from './cli.js';
import { sendJson, startStandinServer, type StandinRequest, type StandinServer } from './http-server.js';
import { flagsIn, play, switchIn, type Switch } from './service-switches.js';

const CATEGORIES = ['Hate', 'SelfHarm', 'Sexual', 'Violence'];
const MAX_CHARS = 10_000;

export interface ContentSafetyStandin extends StandinServer {
  mode: Switch | null;
  /** Slow requests whose caller gave up and closed the connection. */
  abandoned: number;
}

export interface ContentSafetyOptions {
  apiKey: string;
  /** Blocklist name → items. */
  blocklists?: Record<string, string[]>;
}

const azureError = (status: number, code = String(status), message = 'The service encountered an internal error.') => ({ error: { code, message } });

/** Why the service would refuse this analyze body, or null. */
function invalid(body: Record<string, unknown>, opts: ContentSafetyOptions): string | null {
  if (typeof body.text !== 'string' || body.text === '') return 'The text field is required.';
  if ([...body.text].length > MAX_CHARS) return `Text length exceeds the limit of ${MAX_CHARS} characters.`;
  if (body.categories !== undefined && !(Array.isArray(body.categories) && body.categories.every((c) => CATEGORIES.includes(c as string)))) return 'Invalid categories.';
  if (body.outputType !== undefined && !['FourSeverityLevels', 'EightSeverityLevels'].includes(body.outputType as string)) return 'Invalid outputType.';
  const names = body.blocklistNames;
  if (names !== undefined && !(Array.isArray(names) && names.every((n) => typeof n === 'string' && opts.blocklists?.[n]))) return 'Blocklist not found.';
  return null;
}

function analyze(body: Record<string, unknown>, opts: ContentSafetyOptions) {
  const text = body.text as string;
  const asked = (body.categories as string[] | undefined) ?? CATEGORIES;
  const flags = flagsIn(text);
  const categoriesAnalysis = asked.map((category) => {
    const f = flags.find((x) => x.category === category);
    return { category, severity: f ? (f.level ?? 6) : 0 };
  });
  const lower = text.toLowerCase();
  const blocklistsMatch = ((body.blocklistNames as string[] | undefined) ?? []).flatMap((name) =>
    opts.blocklists![name]!.filter((item) => lower.includes(item.toLowerCase())).map((item, i) => ({ blocklistName: name, blocklistItemId: `${name}-${i}`, blocklistItemText: item })),
  );
  return { blocklistsMatch, categoriesAnalysis };
}

function route(req: StandinRequest): 'analyze' | 'shield' | null {
  if (req.method !== 'POST') return null;
  if (req.path === '/contentsafety/text:analyze') return 'analyze';
  if (req.path === '/contentsafety/text:shieldPrompt') return 'shield';
  return null;
}

export async function startContentSafetyStandin(opts: ContentSafetyOptions): Promise<ContentSafetyStandin> {
  const standin: ContentSafetyStandin = Object.assign(
    await startStandinServer((req, res) => {
      const op = route(req);
      if (!op || !req.query.get('api-version')) return sendJson(res, 404, azureError(404, '404', 'Resource not found'));
      if (req.headers['ocp-apim-subscription-key'] !== opts.apiKey) {
        return sendJson(res, 401, azureError(401, '401', 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.'));
      }
      const body = (req.body ?? {}) as Record<string, unknown>;
      const texts = op === 'analyze' ? [String(body.text ?? '')] : [String(body.userPrompt ?? '')];
      const sw = switchIn(texts, standin.mode);
      if (sw) return play(res, sw, (status) => ({ body: azureError(status) }), () => void standin.abandoned++);
      if (op === 'shield') {
        if (typeof body.userPrompt !== 'string' && !Array.isArray(body.documents)) return sendJson(res, 400, azureError(400, 'InvalidRequestBody', 'userPrompt or documents is required.'));
        return sendJson(res, 200, { userPromptAnalysis: { attackDetected: texts[0]!.includes('[[attack]]') }, documentsAnalysis: [] });
      }
      const why = invalid(body, opts);
      if (why) return sendJson(res, 400, azureError(400, 'InvalidRequestBody', why));
      sendJson(res, 200, analyze(body, opts));
    }),
    { mode: null, abandoned: 0 },
  );
  return standin;
}

await runIfMain(import.meta.url, async () => {
  const s = await startContentSafetyStandin({ apiKey: process.env.CONTENT_SAFETY_KEY ?? 'content-safety-standin-key' });
  return { url: s.origin, close: s.close };
});
