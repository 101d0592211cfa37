/**
 * Stand-in for Bedrock Runtime's ApplyGuardrail
 * (`POST /guardrail/{guardrailIdentifier}/version/{guardrailVersion}/apply`) in its wire
 * format, as one configured guardrail would answer: the request's SigV4 signature is verified
 * as for Converse (`checkSignature` of `bedrock-upstream.ts`: service `bedrock`, the region's
 * scope, the signature recomputed); a body is `{source: INPUT|OUTPUT, content: [{text: {text}}]}`.
 * The guardrail it plays: a denied topic "Investment advice" (the words "stock tips",
 * blocked), e-mail addresses anonymized to `{EMAIL}`, the custom word "frobnicate" blocked,
 * and `[[flag:HATE]]` (any of its content filter types) blocked. Failures by the markers of
 * `service-switches.ts`.
 */
import type { ServerResponse } from 'node:http';
import { checkSignature } from './bedrock-upstream.js';
import { runIfMain } from './cli.js';
import { sendJson, startStandinServer, type StandinServer } from './http-server.js';
import { flagsIn, play, switchIn, type Switch } from './service-switches.js';

export interface BedrockGuardrailOptions {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  guardrailId: string;
  guardrailVersion?: string;
}

export interface BedrockGuardrailStandin extends StandinServer {
  mode: Switch | null;
  /** Slow requests whose caller gave up and closed the connection. */
  abandoned: number;
}

export const BLOCKED_MESSAGE = 'Sorry, this request is not allowed by your organisation.';
/** Bedrock's content filter types; a marker of another category (an Azure one, say) is not one of this guardrail's. */
const FILTER_TYPES = ['HATE', 'INSULTS', 'SEXUAL', 'VIOLENCE', 'MISCONDUCT', 'PROMPT_ATTACK'];
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

function awsError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { message }, { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` });
}

interface Assessment {
  topicPolicy?: { topics: { name: string; type: 'DENY'; action: 'BLOCKED'; detected: true }[] };
  contentPolicy?: { filters: { type: string; confidence: 'HIGH'; filterStrength: 'HIGH'; action: 'BLOCKED'; detected: true }[] };
  wordPolicy?: { customWords: { match: string; action: 'BLOCKED'; detected: true }[]; managedWordLists: never[] };
  sensitiveInformationPolicy?: { piiEntities: { match: string; type: 'EMAIL'; action: 'ANONYMIZED'; detected: true }[]; regexes: never[] };
}

/** What the guardrail makes of one text: its assessment, whether it blocks, and the text masked. */
export function assess(text: string): { assessment: Assessment; blocked: boolean; masked: string } {
  const a: Assessment = {};
  if (/stock tips/i.test(text)) a.topicPolicy = { topics: [{ name: 'Investment advice', type: 'DENY', action: 'BLOCKED', detected: true }] };
  const filters = flagsIn(text).filter((f) => FILTER_TYPES.includes(f.category.toUpperCase())).map((f) => ({ type: f.category.toUpperCase(), confidence: 'HIGH' as const, filterStrength: 'HIGH' as const, action: 'BLOCKED' as const, detected: true as const }));
  if (filters.length > 0) a.contentPolicy = { filters };
  const words = [...text.matchAll(/frobnicate/gi)].map((m) => ({ match: m[0], action: 'BLOCKED' as const, detected: true as const }));
  if (words.length > 0) a.wordPolicy = { customWords: words, managedWordLists: [] };
  const emails = [...text.matchAll(EMAIL)].map((m) => ({ match: m[0], type: 'EMAIL' as const, action: 'ANONYMIZED' as const, detected: true as const }));
  if (emails.length > 0) a.sensitiveInformationPolicy = { piiEntities: emails, regexes: [] };
  return { assessment: a, blocked: Boolean(a.topicPolicy || a.contentPolicy || a.wordPolicy), masked: text.replace(EMAIL, '{EMAIL}') };
}

/** The content's text blocks, or why Bedrock would refuse the body. */
function texts(body: unknown): string[] | string {
  const b = body as { source?: unknown; content?: unknown } | undefined;
  if (b?.source !== 'INPUT' && b?.source !== 'OUTPUT') return "1 validation error detected: Value at 'source' failed to satisfy constraint: Member must satisfy enum value set: [INPUT, OUTPUT]";
  if (!Array.isArray(b.content) || b.content.length === 0) return "1 validation error detected: Value at 'content' failed to satisfy constraint: Member must have length greater than or equal to 1";
  const out: string[] = [];
  for (const block of b.content as { text?: { text?: unknown } }[]) {
    if (typeof block?.text?.text !== 'string') return 'The content block must hold a text.';
    out.push(block.text.text);
  }
  return out;
}

export async function startBedrockGuardrailStandin(opts: BedrockGuardrailOptions): Promise<BedrockGuardrailStandin> {
  const version = opts.guardrailVersion ?? 'DRAFT';
  const standin: BedrockGuardrailStandin = Object.assign(
    await startStandinServer(async (req, res) => {
      const m = /^\/guardrail\/([^/]+)\/version\/([^/]+)\/apply$/.exec(req.path);
      if (req.method !== 'POST' || !m) return awsError(res, 404, 'UnknownOperationException', 'Unknown operation');
      const refused = await checkSignature(req, opts);
      if (refused) return awsError(res, 403, refused.includes('signature') ? 'SignatureDoesNotMatchException' : 'UnrecognizedClientException', refused);
      if (decodeURIComponent(m[1]!) !== opts.guardrailId || m[2] !== version) {
        return awsError(res, 404, 'ResourceNotFoundException', 'The guardrail identifier or version provided in the request does not exist.');
      }
      const content = texts(req.body);
      if (typeof content === 'string') return awsError(res, 400, 'ValidationException', content);
      const sw = switchIn(content, standin.mode);
      if (sw) return play(res, sw, (status) => ({ body: { message: 'The server encountered an internal error.' }, headers: { 'x-amzn-errortype': status === 500 ? 'InternalServerException' : 'ServiceUnavailableException' } }), () => void standin.abandoned++);
      const results = content.map(assess);
      const intervened = results.some((r) => r.blocked || r.masked !== content[results.indexOf(r)]);
      const chars = content.reduce((n, t) => n + t.length, 0);
      const outputs = !intervened ? [] : results.some((r) => r.blocked) ? [{ text: BLOCKED_MESSAGE }] : [{ text: results.map((r) => r.masked).join('') }];
      sendJson(res, 200, {
        usage: { topicPolicyUnits: 1, contentPolicyUnits: 1, wordPolicyUnits: 1, sensitiveInformationPolicyUnits: 1, sensitiveInformationPolicyFreeUnits: 0, contextualGroundingPolicyUnits: 0 },
        action: intervened ? 'GUARDRAIL_INTERVENED' : 'NONE',
        ...(intervened ? { actionReason: 'Guardrail blocked.' } : {}),
        outputs,
        assessments: results.map((r) => r.assessment),
        guardrailCoverage: { textCharacters: { guarded: chars, total: chars } },
      });
    }),
    { mode: null, abandoned: 0 },
  );
  return standin;
}

await runIfMain(import.meta.url, async () => {
  const s = await startBedrockGuardrailStandin({ region: 'us-east-1', accessKeyId: 'AKIDSTANDIN', secretAccessKey: 'standin-secret', guardrailId: 'gr0standin' });
  return { url: s.origin, close: s.close };
});
