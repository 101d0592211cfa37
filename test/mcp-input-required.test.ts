/**
 * A stateless 2026-07-28 client calling, through `/mcp`, a tool of a 2025-11-25 upstream that
 * asks questions while it runs: the questions reach the client as `input_required` results
 * (SEP-2322), its retries answer the waiting upstream requests, and the request state the
 * gateway mints is refused when tampered with, replayed, or sent for another tool. The
 * client's declared capabilities decide what may be asked of it.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from './helpers/gateway.js';
import { statelessRequest } from './helpers/mcp-stateless.js';
import { startMcpReferenceStandin, type McpReferenceStandin } from './standins/mcp-reference.js';

let ref: McpReferenceStandin;
let gw: TestGateway;

beforeAll(async () => {
  ref = await startMcpReferenceStandin();
  gw = await startGateway({ mcp: { servers: [{ id: 'ref', url: ref.url }] } });
});
afterAll(async () => {
  await gw?.close();
  await ref?.close();
});

interface Rpc {
  result?: { resultType?: string; inputRequests?: Record<string, { method: string; params: Record<string, unknown> }>; requestState?: string; content?: { text: string }[]; isError?: boolean; _meta?: Record<string, unknown> };
  error?: { code: number; message: string };
}

/** One raw 2026-07-28 request, as a stateless client sends it: the envelope in `_meta`, no session. */
const call = (name: string, extra: Record<string, unknown> = {}, capabilities: Record<string, unknown> = { elicitation: {}, sampling: {}, roots: {} }) =>
  statelessRequest<Rpc>(gw, 'tools/call', { name, arguments: {}, ...extra }, capabilities);

const accept = (content: Record<string, unknown>) => ({ action: 'accept', content });

describe('input_required toward a stateless client, from a 2025-11-25 upstream', () => {
  it('passes the upstream question on as an input_required result and the answer back to it', async () => {
    const first = await call('ref_test_elicitation', { arguments: { message: 'Which branch?' } });
    expect(first.result?.resultType).toBe('input_required');
    const requests = Object.entries(first.result!.inputRequests!);
    expect(requests).toHaveLength(1);
    const [key, request] = requests[0]!;
    expect(request).toMatchObject({ method: 'elicitation/create', params: { message: 'Which branch?' } });
    expect(typeof first.result!.requestState).toBe('string');

    const second = await call('ref_test_elicitation', { arguments: { message: 'Which branch?' }, inputResponses: { [key]: accept({ response: 'main' }) }, requestState: first.result!.requestState });
    expect(second.result?.resultType).toBe('complete');
    expect(second.result!.content![0]!.text).toBe('User response: action=accept, content={"response":"main"}');
    // One call, one trace, however many rounds it took.
    const traceId = String(second.result!._meta!['gatehouse/trace_id']);
    const t = await waitFor(() => gw.api<{ id: string; status: number }>(`/api/traces/${traceId}`).catch(() => null), 'the tool call trace');
    expect(t).toMatchObject({ id: traceId, status: 200 });
  });

  it('refuses a tampered request state, a replayed one and one sent for another tool, and the call still completes with the right one', async () => {
    const first = await call('ref_test_elicitation', { arguments: { message: 'Sure?' } });
    const state = first.result!.requestState!;
    const [key] = Object.keys(first.result!.inputRequests!);
    const answer = { inputResponses: { [key!]: accept({ response: 'yes' }) } };

    const tampered = await call('ref_test_elicitation', { arguments: { message: 'Sure?' }, ...answer, requestState: `${state.slice(0, -2)}xx` });
    expect(tampered.error?.code).toBe(-32602);
    const foreign = await call('ref_test_simple_text', { ...answer, requestState: state });
    expect(foreign.error).toMatchObject({ code: -32602, message: expect.stringContaining('belongs to a call of tool ref_test_elicitation') });

    const done = await call('ref_test_elicitation', { arguments: { message: 'Sure?' }, ...answer, requestState: state });
    expect(done.result!.content![0]!.text).toBe('User response: action=accept, content={"response":"yes"}');
    const replayed = await call('ref_test_elicitation', { arguments: { message: 'Sure?' }, ...answer, requestState: state });
    expect(replayed.error).toMatchObject({ code: -32602, message: expect.stringContaining('no longer holds') });
  });

  it('asks everything the upstream asks at once in one result, and goes round by round when it asks again', async () => {
    const first = await call('ref_test_input_required_result_multiple_inputs');
    const methods = Object.values(first.result!.inputRequests!).map((r) => r.method).sort();
    expect(methods).toEqual(['elicitation/create', 'roots/list', 'sampling/createMessage']);
    const responses: Record<string, unknown> = {};
    for (const [key, r] of Object.entries(first.result!.inputRequests!)) {
      responses[key] = r.method === 'elicitation/create' ? accept({ name: 'Ada' }) : r.method === 'roots/list' ? { roots: [{ uri: 'file:///repo' }] } : { role: 'assistant', content: { type: 'text', text: 'hi' }, model: 'm' };
    }
    const done = await call('ref_test_input_required_result_multiple_inputs', { inputResponses: responses, requestState: first.result!.requestState });
    expect(done.result!.content![0]!.text).toBe('Hello Ada, 1 root(s)');

    const r1 = await call('ref_test_input_required_result_multi_round');
    const r2 = await call('ref_test_input_required_result_multi_round', { inputResponses: { [Object.keys(r1.result!.inputRequests!)[0]!]: accept({ name: 'Ada' }) }, requestState: r1.result!.requestState });
    expect(r2.result?.resultType).toBe('input_required');
    expect(Object.values(r2.result!.inputRequests!)[0]!.params.message).toBe('Step 2: What is your favorite color?');
    expect(r2.result!.requestState).not.toBe(r1.result!.requestState);
    // The first round's state is spent once the second round is out.
    const stale = await call('ref_test_input_required_result_multi_round', { inputResponses: {}, requestState: r1.result!.requestState });
    expect(stale.error).toMatchObject({ code: -32602, message: expect.stringContaining('earlier round') });
    const r3 = await call('ref_test_input_required_result_multi_round', { inputResponses: { [Object.keys(r2.result!.inputRequests!)[0]!]: accept({ color: 'blue' }) }, requestState: r2.result!.requestState });
    expect(r3.result!.content![0]!.text).toBe('Both steps done');
  });

  it('asks the client again for what its retry left out, and refuses an answer of the wrong shape', async () => {
    const first = await call('ref_test_elicitation', { arguments: { message: 'Name?' } });
    const [key] = Object.keys(first.result!.inputRequests!);
    const bad = await call('ref_test_elicitation', { arguments: { message: 'Name?' }, inputResponses: { [key!]: { roots: 'nope' } }, requestState: first.result!.requestState });
    expect(bad.error).toMatchObject({ code: -32602, message: expect.stringContaining(`inputResponses.${key} is not a elicitation/create result`) });
    const again = await call('ref_test_elicitation', { arguments: { message: 'Name?' }, inputResponses: { other: accept({}) }, requestState: first.result!.requestState });
    expect(Object.keys(again.result!.inputRequests!)).toEqual([key]);
    const done = await call('ref_test_elicitation', { arguments: { message: 'Name?' }, inputResponses: { [key!]: accept({ response: 'Ada' }) }, requestState: again.result!.requestState });
    expect(done.result!.content![0]!.text).toContain('"response":"Ada"');
  });

  it('never asks a client what it did not declare: the upstream gets the refusal, and a call that fails for it is -32021 naming the capability', async () => {
    const r = await call('ref_test_elicitation', { arguments: { message: 'Name?' } }, { sampling: {} });
    expect(r.result).toBeUndefined();
    expect(r.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { elicitation: {} } } });
    const sampling = await call('ref_test_missing_capability', {}, { elicitation: {} });
    expect(sampling.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { sampling: {} } } });

    // An upstream that takes the refusal and asks a model instead: only that reaches the client,
    // though another call, waiting on its own question, has a client that could answer.
    const waiting = await call('ref_test_elicitation', { arguments: { message: 'Still there?' } });
    expect(waiting.result?.resultType).toBe('input_required');
    const first = await call('ref_test_input_required_result_capabilities', {}, { sampling: {} });
    expect(Object.values(first.result!.inputRequests!).map((q) => q.method)).toEqual(['sampling/createMessage']);
    const [key] = Object.keys(first.result!.inputRequests!);
    const done = await call('ref_test_input_required_result_capabilities', { inputResponses: { [key!]: { role: 'assistant', content: { type: 'text', text: 's' }, model: 'm' } }, requestState: first.result!.requestState }, { sampling: {} });
    expect(done.result!.content![0]!.text).toBe('Answered: summary (m)');
  });

  it('passes a prompt\'s question on the same way (prompts/get), and its state is not taken for a tool call', async () => {
    const send = (params: { name: string } & Record<string, unknown>) =>
      statelessRequest<Rpc & { result?: { messages?: { content: { text: string } }[] } }>(gw, 'prompts/get', params, { elicitation: {} });
    const first = await send({ name: 'ref_test_input_required_result_prompt' });
    const [key, request] = Object.entries(first.result!.inputRequests!)[0]!;
    expect(request.method).toBe('elicitation/create');
    // Minted for prompts/get: a tools/call carrying it is refused by the HMAC's binding.
    const misused = await call('ref_test_elicitation', { inputResponses: { [key]: accept({ response: 'x' }) }, requestState: first.result!.requestState });
    expect(misused.error?.code).toBe(-32602);
    const done = await send({ name: 'ref_test_input_required_result_prompt', inputResponses: { [key]: accept({ context: 'the repo' }) }, requestState: first.result!.requestState });
    expect(done.result!.messages![0]!.content.text).toBe('Use this context: the repo');
  });

  it('lets an SDK client pinned to 2026-07-28 answer through its own handlers, unaware of the translation', async () => {
    const client = new Client({ name: 'ide', version: '1' }, { capabilities: { sampling: {}, elicitation: { form: {} } }, versionNegotiation: { mode: { pin: '2026-07-28' } } });
    client.setRequestHandler('sampling/createMessage', () => ({ role: 'assistant', content: { type: 'text', text: 'Paris' }, model: 'ide-model' }));
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}` } } }));
    try {
      const r = await client.callTool({ name: 'ref_test_sampling', arguments: { prompt: 'Capital of France?' } });
      expect((r.content as { text: string }[])[0]!.text).toBe('LLM response: Paris');
    } finally {
      await client.close();
    }
  });

  for (const revision of ['2025-11-25', '2026-07-28'] as const) {
    it(`passes a resource's question on while it is read, to a ${revision} SDK client`, async () => {
      const client = new Client({ name: 'ide', version: '1' }, { capabilities: { elicitation: { form: {} } }, ...(revision === '2026-07-28' ? { versionNegotiation: { mode: { pin: revision } } } : {}) });
      const asked: string[] = [];
      client.setRequestHandler('elicitation/create', (req) => (asked.push(String(req.params.message)), { action: 'accept', content: { part: 'two' } }));
      await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}` } } }));
      try {
        const r = await client.readResource({ uri: 'test://asking-resource' });
        expect(r.contents[0]).toMatchObject({ text: 'part two' });
        expect(asked).toEqual(['Which part?']);
      } finally {
        await client.close();
      }
    });
  }

  it('holds many parked calls on one upstream without a MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      // More than Node's default of 10 listeners per signal, each parked on its question (one
      // after another: a question says not which of several starting calls it is for).
      const parked: Rpc[] = [];
      for (let i = 0; i < 12; i++) parked.push(await call('ref_test_elicitation', { arguments: { message: `Parked ${i}?` } }));
      expect(parked.map((r) => r.result?.resultType)).toEqual(Array(12).fill('input_required'));
      // A warning is emitted on the next tick after the listener that passes the limit.
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

