/**
 * The conformance suite's multi-round-trip tools and prompt (SEP-2322, `test_input_required_result_*`),
 * written once with the SDK's `inputRequired()`: served on the 2026-07-28 revision they
 * answer with `input_required` results; on a 2025-11-25 session the SDK turns each of those
 * into real server→client requests (elicitation, sampling, roots) and re-enters the handler
 * with the answers. Behind the gateway they test what `/mcp` makes of either.
 */
import { randomBytes } from 'node:crypto';
import { acceptedContent, createRequestStateCodec, inputRequired, inputResponse, type McpServer, type RequestStateCodec, type ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';

const none = z.object({});
const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
const form = (message: string, field: string, type: 'string' | 'boolean' = 'string') =>
  inputRequired.elicit({ message, requestedSchema: { type: 'object', properties: { [field]: type === 'string' ? { type: 'string' } : { type: 'boolean' } }, required: [field] } });

/**
 * Sends a question on the stream of the request it is about, as 2025-11-25 says a server
 * should (the SDK's `ctx.mcpReq.elicitInput` does not on its own): a gateway then knows
 * which of its calls the question belongs to.
 */
export const related = (ctx: ServerContext) => ({ relatedRequestId: ctx.mcpReq.id });

/** The codec the server's `requestState.verify` must use, so a tampered state never reaches a handler. */
export function inputToolsCodec(): RequestStateCodec<{ round: number }> {
  return createRequestStateCodec<{ round: number }>({ key: randomBytes(32) });
}

export function registerInputTools(server: McpServer, codec: RequestStateCodec<{ round: number }>): void {
  const round = (ctx: ServerContext) => ctx.mcpReq.requestState<{ round: number }>()?.round ?? 0;
  server.registerTool('test_input_required_result_elicitation', { description: 'Asks the user their name (input_required)', inputSchema: none }, (_a, ctx) => {
    const got = acceptedContent<{ name: string }>(ctx.mcpReq.inputResponses, 'user_name');
    return got ? text(`Hello, ${got.name}!`) : inputRequired({ inputRequests: { user_name: form('What is your name?', 'name') } });
  });
  server.registerTool('test_input_required_result_sampling', { description: 'Asks the client to sample a model (input_required)', inputSchema: none }, (_a, ctx) => {
    const got = inputResponse(ctx.mcpReq.inputResponses, 'capital_question');
    if (got.kind === 'sampling') return text(`Sampled: ${JSON.stringify(got.result.content)}`);
    return inputRequired({ inputRequests: { capital_question: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }], maxTokens: 100 }) } });
  });
  server.registerTool('test_input_required_result_list_roots', { description: 'Asks the client for its roots (input_required)', inputSchema: none }, (_a, ctx) => {
    const got = inputResponse(ctx.mcpReq.inputResponses, 'client_roots');
    return got.kind === 'roots' ? text(`Roots: ${got.roots.map((r) => r.uri).join(', ')}`) : inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
  });
  server.registerTool('test_input_required_result_request_state', { description: 'Asks for a confirmation, carrying its own state', inputSchema: none }, async (_a, ctx) => {
    if (round(ctx) === 1 && acceptedContent(ctx.mcpReq.inputResponses, 'confirm')) return text('Confirmed: state-ok');
    return inputRequired({ inputRequests: { confirm: form('Please confirm', 'ok', 'boolean') }, requestState: await codec.mint({ round: 1 }) });
  });
  server.registerTool('test_input_required_result_tampered_state', { description: 'Asks for a confirmation; a tampered state is refused', inputSchema: none }, async (_a, ctx) => {
    if (round(ctx) === 1) return text('Confirmed with an intact state');
    return inputRequired({ inputRequests: { confirm: form('Please confirm', 'ok', 'boolean') }, requestState: await codec.mint({ round: 1 }) });
  });
  server.registerTool('test_input_required_result_multiple_inputs', { description: 'Asks for a name, a greeting and the roots at once', inputSchema: none }, async (_a, ctx) => {
    const r = ctx.mcpReq.inputResponses;
    const name = acceptedContent<{ name: string }>(r, 'user_name');
    const greeting = inputResponse(r, 'greeting');
    const roots = inputResponse(r, 'client_roots');
    if (name && greeting.kind === 'sampling' && roots.kind === 'roots') return text(`Hello ${name.name}, ${roots.roots.length} root(s)`);
    return inputRequired({
      inputRequests: {
        user_name: form('What is your name?', 'name'),
        greeting: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 }),
        client_roots: inputRequired.listRoots(),
      },
      requestState: await codec.mint({ round: 1 }),
    });
  });
  server.registerTool('test_input_required_result_multi_round', { description: 'Asks two questions, one round each', inputSchema: none }, async (_a, ctx) => {
    const r = ctx.mcpReq.inputResponses;
    if (round(ctx) === 2 && acceptedContent(r, 'step2')) return text('Both steps done');
    if (round(ctx) === 1 && acceptedContent(r, 'step1')) {
      return inputRequired({ inputRequests: { step2: form('Step 2: What is your favorite color?', 'color') }, requestState: await codec.mint({ round: 2 }) });
    }
    return inputRequired({ inputRequests: { step1: form('Step 1: What is your name?', 'name') }, requestState: await codec.mint({ round: 1 }) });
  });
  server.registerTool('test_input_required_result_capabilities', { description: 'Asks only what its client declared it can answer', inputSchema: none }, async (_a, ctx) => {
    const summarize = { messages: [{ role: 'user' as const, content: { type: 'text' as const, text: 'Summarize' } }], maxTokens: 50 };
    const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
    if (!envelope) {
      // A 2025-11-25 session declares its capabilities once, for every caller behind it (a gateway): ask the user, or, refused, a model.
      const asked = await ctx.mcpReq.elicitInput({ mode: 'form', message: 'Please confirm', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } }, related(ctx)).catch(() => null);
      if (asked) return text(`Answered: confirm (${asked.action})`);
      const sampled = await ctx.mcpReq.requestSampling(summarize, related(ctx));
      return text(`Answered: summary (${sampled.model})`);
    }
    const caps = (envelope['io.modelcontextprotocol/clientCapabilities'] ?? {}) as Record<string, unknown>;
    const r = ctx.mcpReq.inputResponses;
    if (r && Object.keys(r).length > 0) return text(`Answered: ${Object.keys(r).join(', ')}`);
    if (!caps.sampling && !caps.elicitation) return text('Nothing this client can answer');
    return inputRequired({
      inputRequests: {
        ...(caps.sampling ? { summary: inputRequired.createMessage(summarize) } : {}),
        ...(caps.elicitation ? { confirm: form('Please confirm', 'ok', 'boolean') } : {}),
      },
    });
  });
  server.registerPrompt('test_input_required_result_prompt', { description: 'A prompt that asks for its context first' }, (ctx) => {
    const got = acceptedContent<{ context: string }>(ctx.mcpReq.inputResponses, 'user_context');
    if (got) return { messages: [{ role: 'user', content: { type: 'text', text: `Use this context: ${got.context}` } }] };
    return inputRequired({ inputRequests: { user_context: form('What context should the prompt use?', 'context') } });
  });
}
