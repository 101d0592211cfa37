import { GatehouseError } from '../../core/errors.js';
import { send } from '../../providers/http.js';
import type { GuardrailRuntime } from './runtime.js';

export interface ServiceCall {
  /** Names the guardrail in errors, e.g. `guardrail "moderation" (openai_moderation)`. */
  who: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Whose pools the call goes through: the gateway's that built the check. */
  runtime: GuardrailRuntime;
}

const unavailable = (message: string, cause?: unknown) => new GatehouseError('GH_ERR_GUARDRAIL_UNAVAILABLE', message, cause === undefined ? {} : { cause });

/** The service's own words from an error body (`{error:{message}}`, `{message}`), cut short. */
function serviceMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const e = parsed.error;
    if (typeof e === 'string') return e.slice(0, 300);
    if (e && typeof e.message === 'string') return e.message.slice(0, 300);
    if (typeof parsed.message === 'string') return parsed.message.slice(0, 300);
  } catch {
    // Not JSON: its first words say enough.
  }
  return text.slice(0, 200).trim() || '(empty body)';
}

/**
 * POSTs JSON to a guardrail service and returns its parsed answer. Every way this can fail
 * (timeout, refused connection, an error status, a body that is not JSON) is a coded error
 * whose message names the guardrail: the policy engine then lets the request through or
 * blocks it as the rule's mode says. The abort on timeout frees the connection at once.
 */
export async function postJson(call: ServiceCall): Promise<unknown> {
  const signal = AbortSignal.timeout(call.timeoutMs);
  const path = call.url.pathname + call.url.search;
  const headers = { ...call.headers, 'content-type': 'application/json', accept: 'application/json' };
  let text: string;
  let status: number;
  try {
    const res = await send(call.runtime.poolFor(call.url.origin), { providerId: call.who, method: 'POST', path, headers, body: call.body, signal });
    status = res.status;
    text = await res.text();
  } catch (err) {
    if (signal.aborted) throw unavailable(`${call.who} did not answer within ${call.timeoutMs} ms (timeout_ms)`, err);
    const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
    throw unavailable(`${call.who} could not reach ${call.url.origin}${code ? ` (${code})` : ''}: check its endpoint and the network`, err);
  }
  if (status === 401 || status === 403) throw unavailable(`${call.who} had its key refused (${status}: ${serviceMessage(text)}): check the key it references`);
  if (status < 200 || status >= 300) throw unavailable(`${call.who} answered ${status}: ${serviceMessage(text)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw unavailable(`${call.who} answered ${status} with a body that is not JSON`);
  }
}

/** A service answer that does not have the shape its API documents. */
export function badAnswer(who: string, what: string): GatehouseError {
  return unavailable(`${who} answered in an unexpected shape (${what})`);
}

/** Runs `fn` over items with at most `limit` in flight, keeping their order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
