import { isInputRequiredResult, type InputRequest, type InputRequiredResult, type InputResponses } from '@modelcontextprotocol/client';
import { McpFailure } from './errors.js';
import type { CallerChannel } from './upstream.js';

/**
 * A 2026-07-28 upstream's questions during a call (SEP-2322): it answers with an
 * `input_required` result (questions under keys of its own, and a `requestState`) and expects
 * the call again with `inputResponses` under those keys and its state echoed byte for byte.
 *
 * Toward the caller, one of two translations:
 * - it takes the result itself (`CallerChannel.passOn`, a 2026-07-28 client): the result goes
 *   back as the upstream wrote it, its keys kept; the front carries the upstream's state inside
 *   its own signed one (input-flows.ts), and the client's retry arrives as `CallerChannel.resume`;
 * - else (a 2025-11-25 client, a task) each question is asked through the caller's channel
 *   (elicit, sample, roots, the server→client requests that client takes) and the call is sent
 *   again with the answers, round after round, up to `MAX_ROUNDS`.
 */
export interface Resume {
  inputResponses?: InputResponses;
  requestState?: string;
}

/** As the SDK client's own driver (`inputRequired.maxRounds`): an upstream that never settles is cut off. */
export const MAX_ROUNDS = 10;

type Send<T> = (resume: Resume | undefined) => Promise<T | InputRequiredResult>;

/** Runs one call to its result, or to an `input_required` result the caller takes as it is. */
export async function driveRounds<T>(send: Send<T>, caller: CallerChannel, what: { server: string; tool: string }, signal: AbortSignal): Promise<T | InputRequiredResult> {
  let resume = caller.resume;
  for (let round = 0; ; round++) {
    const answer = await send(resume);
    if (!isInputRequiredResult(answer)) return answer;
    if (caller.passOn) return answer;
    if (round >= MAX_ROUNDS) {
      throw new McpFailure('upstream', `MCP server "${what.server}" still asked for input after ${MAX_ROUNDS} rounds of ${what.tool}: it never settles, check the server.`);
    }
    const entries = Object.entries(answer.inputRequests ?? {});
    const responses = await Promise.all(entries.map(async ([key, q]) => [key, await ask(q, caller, what, signal)] as const));
    resume = { ...(responses.length > 0 ? { inputResponses: Object.fromEntries(responses) as InputResponses } : {}), ...(answer.requestState !== undefined ? { requestState: answer.requestState } : {}) };
  }
}

const NAMES = { 'elicitation/create': 'elicitation', 'sampling/createMessage': 'sampling', 'roots/list': 'roots' } as const;

/** One question put to the caller as the server→client request 2025-11-25 has for it. */
function ask(q: InputRequest, caller: CallerChannel, what: { server: string; tool: string }, signal: AbortSignal): Promise<unknown> {
  const missing = () =>
    new McpFailure('upstream', `MCP server "${what.server}" asked for ${NAMES[q.method]} to run ${what.tool}, but no client calling it through Gatehouse can answer (the calling client did not declare the ${NAMES[q.method]} capability).`);
  switch (q.method) {
    case 'elicitation/create':
      if (!caller.elicit) throw missing();
      return caller.elicit(q.params, signal);
    case 'sampling/createMessage':
      if (!caller.sample) throw missing();
      return caller.sample(q.params, signal);
    case 'roots/list':
      if (!caller.roots) throw missing();
      return caller.roots(undefined, signal);
  }
}
