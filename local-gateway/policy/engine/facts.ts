/**
 * What the engine knows about one request: everything a rule can look at, and nothing
 * else. It is built by the pipeline from the live request, and by a replay from a stored
 * trace, so both run the same evaluation.
 */
export interface RequestFacts {
  /** The client API, e.g. `chat.completions`. */
  api: string;
  /** The model as the client named it (a virtual model, `<provider>/<model>` or a bare name). */
  model: string;
  /** `<provider>/<model>` when the name resolves directly to a provider; null for a virtual model or before routing. */
  resolvedModel: string | null;
  user: string;
  team: string | null;
  metadata: Readonly<Record<string, string>>;
  /** The request's message texts (system, user, assistant, tool), in order. */
  input: string[];
  /** The complete answer's texts; null before the response. */
  output: string[] | null;
  /** Tokens the request is expected to use, counted against token limits before the response. */
  estimatedTokens: number;
  /** Real usage when known (after the response, or from a stored trace). */
  tokensIn: number | null;
  tokensOut: number | null;
  /** When the request arrived (ms since the epoch): the windows it counts in. */
  at: number;
  /** For a tool call through `/mcp`: the tool and its arguments; absent for model calls. */
  tool?: ToolCallFacts;
  /** For a `prompts/get` or `resources/read` through `/mcp`: what was fetched; absent otherwise. */
  content?: McpContentFacts;
}

/** A prompt or resource fetched through `/mcp`: the server behind it and the name the tier's `prompts`/`resources` lists match. */
export interface McpContentFacts {
  kind: 'prompt' | 'resource';
  server: string;
  /** A prompt's exposed name (`<server>_<prompt>`), a resource's URI. */
  exposed: string;
}

/** What a tool call's rules can look at besides the caller: the tool and what it was given. */
export interface ToolCallFacts {
  server: string;
  /** The upstream's own name for the tool. */
  name: string;
  /** `<server>_<tool>`, the name the client called. */
  exposed: string;
  arguments: Record<string, unknown>;
}

/**
 * Client APIs that ask about a request without making it (counting tokens): they use no
 * model, so they take no rate-limit slot and cost no budget.
 */
const NOT_MODEL_CALLS: ReadonlySet<string> = new Set(['messages.count_tokens', 'mcp']);

export function isModelCall(facts: Pick<RequestFacts, 'api'>): boolean {
  return !NOT_MODEL_CALLS.has(facts.api);
}

/** Rough tokens of a text: ~4 characters per token for English and code (the usual estimate). */
export function estimateTokens(texts: readonly string[], maxOutput = 0): number {
  let chars = 0;
  for (const t of texts) chars += t.length;
  return Math.ceil(chars / 4) + maxOutput;
}

/** The fields a client caps its answer's tokens with, by API (chat, legacy chat, Responses/Messages). */
const MAX_OUTPUT_FIELDS = ['max_tokens', 'max_completion_tokens', 'max_output_tokens'] as const;

/** The output tokens a request body asks for at most; 0 when it sets no cap. */
export function maxOutputOf(body: unknown): number {
  if (body === null || typeof body !== 'object') return 0;
  const b = body as Record<string, unknown>;
  return MAX_OUTPUT_FIELDS.map((f) => b[f]).find((v): v is number => typeof v === 'number') ?? 0;
}

/** Tokens to count for a request: real usage when known, else the estimate. */
export function tokensOf(facts: RequestFacts): number {
  if (facts.tokensIn === null && facts.tokensOut === null) return facts.estimatedTokens;
  return (facts.tokensIn ?? 0) + (facts.tokensOut ?? 0);
}
