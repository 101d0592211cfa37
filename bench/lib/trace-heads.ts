import type { TraceHead } from '../../local-gateway/store/schema.js';

/**
 * Trace heads as the bench gateway's request thread queues them for export (a chat completion
 * through nine stages to the stand-in), as JSON text: the n-th one's ids, times and tokens are
 * its own, the rest repeats as it does from request to request.
 */
export function benchHead(n: number): string {
  const started = 1_796_652_270_832 + n * 3;
  const h: TraceHead = {
    id: `01a250d2-04f0-7000-bf88-${String(n).padStart(12, '0')}`,
    started_at: started,
    ended_at: started + 2,
    duration_ms: 1.97,
    phases: { authenticate: 0.058, identity: 0.085, metadata: 0.102, model_access: 0.068, budgets: 0.067, rate_limits: 0.109, input_guardrails: 0, route: 0.306, provider_call: 1.144 },
    caller: { user: 'root', team: null, agent: null },
    api: 'chat.completions',
    method: 'POST',
    path: '/v1/chat/completions',
    tier: 'dev',
    requested_model: 'standin/bench-model',
    resolved_model: 'standin/bench-model',
    provider: 'standin',
    status: 200,
    error_code: null,
    error_message: null,
    stream: false,
    tokens_in: 12,
    tokens_out: 9,
    tokens_cached: null,
    tokens_reasoning: null,
    cost_usd: 0.0000042,
    metadata: {},
    policy_version: null,
    request_headers: { host: '127.0.0.1:38359', connection: 'keep-alive', 'content-type': 'application/json', authorization: '[redacted]', 'content-length': '122' },
    response_headers: { 'content-type': 'application/json', 'content-length': '260', 'x-request-id': 'req_AC18xjEybQqBCFU2jYlaiA34rR1ju8Xi' },
    verdicts: [],
  };
  return JSON.stringify(h);
}

/** The stand-in's answer as stored, read for the finish reasons. */
export const benchResponse =
  '{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hello, benchmark!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9}}';
