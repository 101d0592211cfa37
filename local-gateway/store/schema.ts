import { z } from 'zod';
import { VerdictSchema } from '../policy/schema.js';

/** Milliseconds spent in each named pipeline stage, in the order the stages ran. */
export const PhasesSchema = z.record(z.string(), z.number());

export const CallerSchema = z.object({
  /** Who made the call: the PAT user once enrolled, else the OS user name. */
  user: z.string(),
  team: z.string().nullable(),
  /** The client's user-agent, e.g. `claude-cli/2.1.197` or `OpenAI/JS 6.4.0`. */
  agent: z.string().nullable(),
});

/**
 * What an MCP trace fetched: which upstream server, its own name for it, and the name `/mcp`
 * exposed. `kind` is absent for a `tools/call` (so older traces read as they were), `prompt`
 * for a `prompts/get`, `resource` for a `resources/read` (whose name and exposed name are its URI).
 */
export const ToolRefSchema = z.object({ server: z.string(), name: z.string(), exposed: z.string(), kind: z.enum(['prompt', 'resource']).optional() });
export type ToolRef = z.infer<typeof ToolRefSchema>;

/** One traced request: everything the dashboard and the admin API show about it. */
export const TraceSchema = z.object({
  id: z.string(),
  started_at: z.number().int(),
  ended_at: z.number().int(),
  duration_ms: z.number(),
  phases: PhasesSchema,
  caller: CallerSchema,
  api: z.string(),
  method: z.string(),
  path: z.string(),
  tier: z.string(),
  requested_model: z.string().nullable(),
  resolved_model: z.string().nullable(),
  provider: z.string().nullable(),
  status: z.number().int(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  stream: z.boolean(),
  tokens_in: z.number().int().nullable(),
  tokens_out: z.number().int().nullable(),
  tokens_cached: z.number().int().nullable(),
  /** Reasoning tokens, part of tokens_out; null when the provider does not report them. */
  tokens_reasoning: z.number().int().nullable(),
  /** USD priced when the trace was built (bundled prices, `prices:` overrides); null when unpriced or stored before pricing. */
  cost_usd: z.number().nullable(),
  metadata: z.record(z.string(), z.string()),
  /** For a tool call through `/mcp` (api `mcp`): the tool; null or absent for every other trace. */
  tool: ToolRefSchema.nullable().optional(),
  /**
   * The org bundle version in force when the request ran; null under a local or built-in
   * policy. Carried to the sync record (store/outbox.ts); absent in traces stored before it.
   */
  policy_version: z.number().int().nullable().optional(),
  request_headers: z.record(z.string(), z.string()),
  response_headers: z.record(z.string(), z.string()),
  /** What each tier's policy stages decided: the active tier's enforced, shadow tiers' recorded only. */
  verdicts: z.array(VerdictSchema),
  /** Parsed JSON when the body was JSON, else the text as received. */
  request_body: z.unknown(),
  /** Parsed JSON for a JSON response; for a stream, the event-stream text the client got. */
  response_body: z.unknown(),
});
export type Trace = z.infer<typeof TraceSchema>;

/** A trace without its bodies. */
export type TraceHead = Omit<Trace, 'request_body' | 'response_body'>;

/**
 * A trace on its way to the store: the bodies as JSON text, so a request body is written as
 * it was received instead of being serialized again (agent requests run to megabytes).
 */
export interface TraceRecord {
  head: TraceHead;
  /** `head` as JSON text, when whoever built the record had it already (saves serializing it twice). */
  headJson?: string;
  request: string;
  response: string;
}

/** A verdict that fired (block or mutate), without its findings: enough for the list to badge it. */
export const FiredSchema = VerdictSchema.pick({ tier: true, rule: true, stage: true, decision: true, mode: true, enforced: true });
export type Fired = z.infer<typeof FiredSchema>;

/** What the list view needs: a trace without headers and bodies, with only the verdicts that fired. */
export const TraceSummarySchema = TraceSchema.omit({
  verdicts: true,
  request_headers: true,
  response_headers: true,
  request_body: true,
  response_body: true,
}).extend({
  /** Every tier's non-allow verdicts, so the list can show "prod would block" without another request. */
  fired: z.array(FiredSchema),
  /** The last user message, one line (store/preview.ts); null when there is none or the trace predates previews. */
  ask: z.string().nullable().optional(),
  /** The answer's first line, or `→ tool(args)` for a tool call. */
  answer: z.string().nullable().optional(),
  /** The agent's session id, or `conv-<hash>` of the conversation's first turn. */
  session: z.string().nullable().optional(),
});
export type TraceSummary = z.infer<typeof TraceSummarySchema>;

/** What replaying policy counters needs of a stored trace: who, which model, how it ended, its usage. */
export const TraceUsageSchema = TraceSchema.pick({
  id: true,
  started_at: true,
  phases: true,
  caller: true,
  api: true,
  tier: true,
  requested_model: true,
  resolved_model: true,
  provider: true,
  status: true,
  error_code: true,
  tokens_in: true,
  tokens_out: true,
  metadata: true,
  tool: true,
});
export type TraceUsage = z.infer<typeof TraceUsageSchema>;

export const TraceQuerySchema = z.object({
  /** An exact status (`429`), a class (`5xx`), or `error` for every status ≥ 400. */
  status: z.string().regex(/^(\d{3}|[1-5]xx|error|ok)$/, 'use a status code (429), a class (5xx), "ok" or "error"').optional(),
  /** Matches the requested or the resolved model. */
  model: z.string().min(1).optional(),
  /** The provider id that served the call, e.g. `openai`. */
  provider: z.string().min(1).optional(),
  /** A rule id that fired (blocked or mutated) in any tier, e.g. `pii`. */
  rule: z.string().min(1).optional(),
  /** `<tier>:<block|mutate>`: that tier's verdict, e.g. `prod:block`. */
  verdict: z.string().regex(/^[^:]+:(block|mutate)$/, 'use <tier>:block or <tier>:mutate, e.g. prod:block').optional(),
  /** `key:value`: the metadata key equals the value, e.g. `project:checkout`. */
  meta: z.string().regex(/^[^:]+:/, 'use key:value, e.g. project:checkout').optional(),
  /** ISO 8601 time or Unix milliseconds; only traces started at or after it. */
  since: z.string().min(1).optional(),
  /** ISO 8601 time or Unix milliseconds; only traces started before it. */
  until: z.string().min(1).optional(),
  /** One exposed MCP tool's calls, e.g. `files_read_file`. */
  tool: z.string().min(1).max(200).optional(),
  /** One agent session's turns: the `session` of a list item. */
  session: z.string().min(1).max(200).optional(),
  /** Case-insensitive substring of the error, models, caller, metadata or message content. */
  text: z.string().min(1).max(500).optional(),
  /** The `next_cursor` of the previous page. */
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type TraceQuery = z.infer<typeof TraceQuerySchema>;

export const TracePageSchema = z.object({
  traces: z.array(TraceSummarySchema),
  next_cursor: z.string().nullable(),
});
export type TracePage = z.infer<typeof TracePageSchema>;
