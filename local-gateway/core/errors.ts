import { redactSpelled } from './redact.js';

/**
 * The one catalogue of Gatehouse errors. Every refusal the gateway makes is one of these,
 * rendered by the server's error handler into the caller's API error shape.
 */
export const ERRORS = {
  GH_ERR_UNAUTHORIZED: { status: 401, type: 'authentication_error' },
  GH_ERR_FORBIDDEN_HOST: { status: 403, type: 'permission_error' },
  GH_ERR_FORBIDDEN_ORIGIN: { status: 403, type: 'permission_error' },
  GH_ERR_INVALID_JSON: { status: 400, type: 'invalid_request_error' },
  /** The body holds bytes that are not UTF-8: decoding them would change what the client sent. */
  GH_ERR_INVALID_UTF8: { status: 400, type: 'invalid_request_error' },
  /** The body nests deeper than MAX_JSON_DEPTH (core/json-depth.ts). */
  GH_ERR_JSON_TOO_DEEP: { status: 400, type: 'invalid_request_error' },
  GH_ERR_INVALID_REQUEST: { status: 400, type: 'invalid_request_error' },
  GH_ERR_INVALID_QUERY: { status: 400, type: 'invalid_request_error' },
  GH_ERR_INVALID_METADATA: { status: 400, type: 'invalid_request_error' },
  GH_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, type: 'invalid_request_error' },
  /** The request's headers together exceed what the HTTP server reads (Node's 16 KiB by default). */
  GH_ERR_HEADERS_TOO_LARGE: { status: 431, type: 'invalid_request_error' },
  /** A path segment longer than the router takes (a trace id is 36 characters). */
  GH_ERR_URI_TOO_LONG: { status: 414, type: 'invalid_request_error' },
  /** The bytes are not valid HTTP/1.1 (e.g. a malformed chunked body). */
  GH_ERR_BAD_HTTP: { status: 400, type: 'invalid_request_error' },
  GH_ERR_BODY_TOO_LARGE: { status: 413, type: 'invalid_request_error' },
  GH_ERR_UNKNOWN_MODEL: { status: 404, type: 'invalid_request_error' },
  /** A model name no provider could serve (URL syntax, control characters): refused before it reaches an upstream URL. */
  GH_ERR_INVALID_MODEL: { status: 400, type: 'invalid_request_error' },
  GH_ERR_UNKNOWN_PROVIDER: { status: 404, type: 'invalid_request_error' },
  GH_ERR_UNSUPPORTED_API: { status: 400, type: 'invalid_request_error' },
  /** The request uses a feature the provider's API has no equivalent for, so it cannot be translated. */
  GH_ERR_UNTRANSLATABLE: { status: 400, type: 'invalid_request_error' },
  /** A request part the chosen provider's wire format cannot carry (e.g. an image URL to Bedrock). */
  GH_ERR_UNSUPPORTED_CONTENT: { status: 400, type: 'invalid_request_error' },
  GH_ERR_NOT_FOUND: { status: 404, type: 'not_found_error' },
  /** The dashboard's build output (dist/ui) is missing from this checkout. */
  GH_ERR_UI_NOT_BUILT: { status: 503, type: 'not_found_error' },
  /** A policy tier named in a query that the policy in force does not define. */
  GH_ERR_UNKNOWN_TIER: { status: 400, type: 'invalid_request_error' },
  /** A candidate policy bundle sent to the admin API that does not validate. */
  GH_ERR_INVALID_POLICY: { status: 400, type: 'invalid_request_error' },
  /** The active tier's metadata contract: required keys are missing. */
  GH_ERR_METADATA_REQUIRED: { status: 400, type: 'invalid_request_error' },
  GH_ERR_MODEL_NOT_ALLOWED: { status: 403, type: 'permission_error' },
  /** The active tier's `tools.allow`/`tools.deny` refuse an MCP tool. */
  GH_ERR_TOOL_NOT_ALLOWED: { status: 403, type: 'permission_error' },
  GH_ERR_GUARDRAIL_BLOCKED: { status: 403, type: 'permission_error' },
  /** A remote guardrail service (moderation, content safety, Bedrock guardrail) failed, timed out or is not configured. */
  GH_ERR_GUARDRAIL_UNAVAILABLE: { status: 502, type: 'upstream_error' },
  GH_ERR_RATE_LIMITED: { status: 429, type: 'rate_limit_error' },
  GH_ERR_BUDGET_EXCEEDED: { status: 429, type: 'rate_limit_error' },
  /** Every target of a virtual model is paused by its circuit breaker. */
  GH_ERR_CIRCUIT_OPEN: { status: 503, type: 'upstream_error' },
  GH_ERR_PROVIDER_KEY_MISSING: { status: 502, type: 'upstream_error' },
  /** The OS keychain holds a key the request needs but is locked or absent (headless Linux). */
  GH_ERR_KEYCHAIN_UNAVAILABLE: { status: 503, type: 'keychain_unavailable' },
  GH_ERR_UPSTREAM_CONNECT: { status: 502, type: 'upstream_error' },
  GH_ERR_UPSTREAM_TIMEOUT: { status: 504, type: 'upstream_error' },
  GH_ERR_UPSTREAM_STREAM_CUT: { status: 502, type: 'upstream_error' },
  GH_ERR_UPSTREAM_BAD_RESPONSE: { status: 502, type: 'upstream_error' },
  /** The provider answered with an error; status and message are the provider's. */
  GH_ERR_UPSTREAM_ERROR: { status: 502, type: 'upstream_error' },
  /** An upstream MCP server crashed, hung up, sent malformed JSON-RPC or answered with an error while listing or calling a tool. */
  GH_ERR_MCP_UPSTREAM: { status: 502, type: 'upstream_error' },
  /** An upstream MCP server did not answer a tool call within its timeout. */
  GH_ERR_MCP_TIMEOUT: { status: 504, type: 'upstream_error' },
  /** A tool result larger than `mcp.max_result_mb`. */
  GH_ERR_MCP_RESULT_TOO_LARGE: { status: 502, type: 'upstream_error' },
  /** A tool name `/mcp` does not expose (no upstream lists it, or its server is down). */
  GH_ERR_MCP_UNKNOWN_TOOL: { status: 404, type: 'invalid_request_error' },
  GH_ERR_CLIENT_CLOSED: { status: 499, type: 'client_closed' },
  /** The gateway stopped (SIGINT/SIGTERM past its grace, or a second Ctrl-C) while the request was open. */
  GH_ERR_SHUTDOWN: { status: 503, type: 'server_error' },
  /** The client did not send its headers or body in time (a stalled or slowloris connection). */
  GH_ERR_CLIENT_TIMEOUT: { status: 408, type: 'invalid_request_error' },
  GH_ERR_INTERNAL: { status: 500, type: 'server_error' },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface GatehouseErrorOptions {
  /** Overrides the catalogue status, e.g. an upstream 429 passed through as 429. */
  status?: number;
  /** Overrides the catalogue type, e.g. the provider's own `rate_limit_error`. */
  type?: string;
  /** The request field the error is about, as OpenAI's `param`. */
  param?: string | null;
  /** Headers the caller should see, e.g. an upstream `retry-after`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** A coded error whose message says what happened and what to do about it. */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly type: string;
  readonly param: string | null;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, opts: GatehouseErrorOptions = {}) {
    // Masked at birth: a provider's error text may echo the key it was sent, and this message reaches clients, traces and logs.
    super(redactSpelled(message), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GatehouseError';
    this.code = code;
    this.statusCode = opts.status ?? ERRORS[code].status;
    this.type = opts.type ?? ERRORS[code].type;
    this.param = opts.param ?? null;
    this.headers = opts.headers ?? {};
  }
}

/** The OpenAI error body: `{"error":{"message","type","param","code"}}`. */
export function openAIErrorBody(err: GatehouseError): { error: { message: string; type: string; param: string | null; code: string } } {
  // Masked again on the way out: a secret may have become known after the error was made.
  return { error: { message: redactSpelled(err.message), type: err.type, param: err.param, code: err.code } };
}
