/**
 * The tasks extension (SEP-2663) through `/mcp`: a 2026-07-28 client that declares it gets a
 * task for a tool its upstream lists as task-capable, polls it with tasks/get to the inlined
 * result, or cancels it; a client that does not declare it gets the plain result, or -32021
 * for a tool that runs only as a task, and no task methods.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from './helpers/gateway.js';
import { startMcpReferenceStandin, type McpReferenceStandin } from './standins/mcp-reference.js';
import { taskToolsServer } from './standins/mcp-task-tools.js';

let jobs: McpReferenceStandin;
let gw: TestGateway;

beforeAll(async () => {
  jobs = await startMcpReferenceStandin(taskToolsServer);
  gw = await startGateway({ mcp: { servers: [{ id: 'jobs', url: jobs.url }] } });
});
afterAll(async () => {
  await gw?.close();
  await jobs?.close();
});

const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} } };
type Answer = { status: number; body: { result?: Record<string, unknown> & { content?: { text: string }[] }; error?: { code: number; message: string; data?: unknown } } };

/** `who`: the agent session header and the client's name the request carries (whose a task is). */
async function rpc(method: string, params: Record<string, unknown>, capabilities: Record<string, unknown> = TASKS, who: { session?: string; client?: string } = {}): Promise<Answer> {
  const name = (params.name ?? params.taskId) as string | undefined;
  const res = await fetch(`${gw.url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...(name ? { 'mcp-name': name } : {}), ...(who.session ? { 'x-claude-code-session-id': who.session } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': capabilities, ...(who.client ? { 'io.modelcontextprotocol/clientInfo': { name: who.client, version: '1' } } : {}) } } }),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

describe('tasks through /mcp', () => {
  it('advertises the extension', async () => {
    const r = await rpc('server/discover', {});
    expect(r.body.result?.capabilities).toMatchObject({ extensions: { 'io.modelcontextprotocol/tasks': {} } });
  });

  it('runs a task-capable tool as a task for a client that declares the extension, to its inlined result', async () => {
    const created = await rpc('tools/call', { name: 'jobs_slow_compute', arguments: { seconds: 0, label: 'x' } });
    expect(created.body.result).toMatchObject({ resultType: 'task', status: expect.any(String), ttlMs: expect.any(Number) });
    const taskId = String(created.body.result!.taskId);
    const done = await waitFor(async () => {
      const r = await rpc('tasks/get', { taskId });
      return r.body.result?.status === 'completed' ? r.body.result : null;
    }, 'the task to complete');
    expect((done.result as { content: { text: string }[] }).content[0]!.text).toBe('computed x in 0s');
    // A tool that never runs as a task answers as usual.
    const greet = await rpc('tools/call', { name: 'jobs_greet', arguments: { name: 'Ada' } });
    expect(greet.body.result).toMatchObject({ resultType: 'complete', content: [{ text: 'Hello, Ada!' }] });
  });

  it('cancels a running task, acknowledged empty, and refuses an unknown task', async () => {
    const created = await rpc('tools/call', { name: 'jobs_slow_compute', arguments: { seconds: 600 } });
    const taskId = String(created.body.result!.taskId);
    expect((await rpc('tasks/get', { taskId })).body.result).toMatchObject({ status: 'working' });
    expect((await rpc('tasks/cancel', { taskId })).body.result).toMatchObject({ resultType: 'complete' });
    expect((await rpc('tasks/get', { taskId })).body.result).toMatchObject({ status: 'cancelled' });
    expect((await rpc('tasks/get', { taskId: 'no-such-task' })).body.error?.code).toBe(-32602);
  });

  it('waits in input_required while the upstream asks, and goes on when tasks/update answers, one key at a time', async () => {
    const caps = { ...TASKS, elicitation: {} };
    const created = await rpc('tools/call', { name: 'jobs_multi_input', arguments: {} }, caps);
    const taskId = String(created.body.result!.taskId);
    const asking = await waitFor(async () => {
      const r = (await rpc('tasks/get', { taskId }, caps)).body.result!;
      return r.status === 'input_required' && Object.keys(r.inputRequests as object).length === 2 ? r : null;
    }, 'both questions');
    const [first, second] = Object.keys(asking.inputRequests as object);
    expect((await rpc('tasks/update', { taskId, inputResponses: { [first!]: { action: 'accept', content: { confirm: true } } } }, caps)).body.result).toEqual({ resultType: 'complete', _meta: expect.anything() });
    const partly = (await rpc('tasks/get', { taskId }, caps)).body.result!;
    expect(partly).toMatchObject({ status: 'input_required' });
    expect(Object.keys(partly.inputRequests as object)).toEqual([second]);
    await rpc('tasks/update', { taskId, inputResponses: { [second!]: { action: 'decline' } } }, caps);
    const done = await waitFor(async () => {
      const r = (await rpc('tasks/get', { taskId }, caps)).body.result!;
      return r.status === 'completed' ? r : null;
    }, 'the task to complete');
    expect((done.result as { content: { text: string }[] }).content[0]!.text).toBe('answered accept and decline');
  });

  it('keeps a client that does not declare it out: a plain result, -32021 for a task-only tool and for the task methods', async () => {
    const plain = await rpc('tools/call', { name: 'jobs_slow_compute', arguments: { seconds: 0 } }, {});
    expect(plain.body.result).toMatchObject({ resultType: 'complete', content: [{ text: 'computed  in 0s' }] });
    const required = await rpc('tools/call', { name: 'jobs_failing_job', arguments: {} }, {});
    expect(required.status).toBe(400);
    expect(required.body.error).toMatchObject({ code: -32021, data: { requiredCapabilities: TASKS } });
    expect((await rpc('tasks/get', { taskId: 'x' }, {})).body.error?.code).toBe(-32021);
  });

  it('keeps a task its creator\'s: another agent session or another client cannot read, answer or cancel it', async () => {
    const caps = { ...TASKS, elicitation: {} };
    const mine = { session: 'session-a', client: 'claude-code' };
    const created = await rpc('tools/call', { name: 'jobs_confirm_delete', arguments: { filename: 'f' } }, caps, mine);
    const taskId = String(created.body.result!.taskId);
    const asking = await waitFor(async () => {
      const r = (await rpc('tasks/get', { taskId }, caps, mine)).body.result!;
      return r.status === 'input_required' ? r : null;
    }, 'the question');
    const [key] = Object.keys(asking.inputRequests as object);
    for (const other of [{ session: 'session-b', client: 'claude-code' }, { session: 'session-a', client: 'cursor' }, {}]) {
      expect((await rpc('tasks/get', { taskId }, caps, other)).body.error?.code).toBe(-32602);
      expect((await rpc('tasks/update', { taskId, inputResponses: { [key!]: { action: 'accept', content: { confirm: true } } } }, caps, other)).body.error?.code).toBe(-32602);
      expect((await rpc('tasks/cancel', { taskId }, caps, other)).body.error?.code).toBe(-32602);
    }
    // Untouched by the others: still waiting on its own question, which its creator answers.
    expect((await rpc('tasks/get', { taskId }, caps, mine)).body.result).toMatchObject({ status: 'input_required' });
    await rpc('tasks/update', { taskId, inputResponses: { [key!]: { action: 'accept', content: { confirm: true } } } }, caps, mine);
    const done = await waitFor(async () => {
      const r = (await rpc('tasks/get', { taskId }, caps, mine)).body.result!;
      return r.status === 'completed' ? r : null;
    }, 'the task to complete');
    expect((done.result as { content: { text: string }[] }).content[0]!.text).toBe('deleted f');
  });

  it('lets a task-only tool ask its client first (input_required), then goes on as a task with the answer', async () => {
    const caps = { ...TASKS, elicitation: {} };
    const first = (await rpc('tools/call', { name: 'jobs_test_tool_with_task', arguments: {} }, caps)).body.result!;
    expect(first).toMatchObject({ resultType: 'input_required' });
    expect(first).not.toHaveProperty('taskId');
    const [key] = Object.keys(first.inputRequests as object);
    const second = (await rpc('tools/call', { name: 'jobs_test_tool_with_task', arguments: {}, requestState: first.requestState, inputResponses: { [key!]: { action: 'accept', content: { name: 'Alice' } } } }, caps)).body.result!;
    expect(second).toMatchObject({ resultType: 'task', status: expect.stringMatching(/working|completed/) });
    expect(second).not.toHaveProperty('requestState');
    const taskId = String(second.taskId);
    const done = await waitFor(async () => {
      const r = (await rpc('tasks/get', { taskId }, caps)).body.result!;
      return r.status === 'completed' ? r : null;
    }, 'the task to complete');
    expect((done.result as { content: { text: string }[] }).content[0]!.text).toBe('Hello, Alice!');
  });
});
