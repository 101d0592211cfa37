import type { Trace } from '../../store/schema.js';
import { estimateTokens, type RequestFacts } from './facts.js';
import { requestTexts, responseTexts, streamText } from './texts.js';

/** The facts of a stored request, for replaying it against another policy. */
export function factsFromTrace(trace: Trace): RequestFacts {
  const input = requestTexts(trace.request_body).map((s) => s.text);
  let output: string[] | null = null;
  if (trace.status > 0 && trace.status < 400) {
    output = trace.stream && typeof trace.response_body === 'string' ? [streamText(trace.response_body)] : responseTexts(trace.response_body).map((s) => s.text);
  }
  return {
    api: trace.api,
    model: trace.requested_model ?? trace.resolved_model ?? '',
    resolvedModel: trace.resolved_model,
    user: trace.caller.user,
    team: trace.caller.team,
    metadata: trace.metadata,
    input,
    output,
    estimatedTokens: estimateTokens(input),
    tokensIn: trace.tokens_in,
    tokensOut: trace.tokens_out,
    at: trace.started_at,
  };
}
