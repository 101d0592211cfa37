/**
 * An upstream with the tools the conformance suite's tasks scenarios (SEP-2663) call by name,
 * each listed with the 2025-11-25 `execution.taskSupport` field, which tells the gateway which
 * tools it may run as tasks: `greet` (never), `slow_compute`, `confirm_delete` and
 * `multi_input` (may; the last two ask their client first), `failing_job`,
 * `protocol_error_job` and `test_tool_with_task` (must; the last asks its client's name first). The upstream itself answers every call directly; the tasks are
 * the gateway's.
 */
import { ProtocolError, Server } from '@modelcontextprotocol/server';

const object = (properties: Record<string, unknown> = {}, required: string[] = []) => ({ type: 'object' as const, properties, required });
const TOOLS = [
  { name: 'greet', description: 'Greets at once', inputSchema: object({ name: { type: 'string' } }, ['name']), execution: { taskSupport: 'forbidden' } },
  { name: 'slow_compute', description: 'Computes for some seconds (a task if the client takes one)', inputSchema: object({ seconds: { type: 'number' }, label: { type: 'string' } }), execution: { taskSupport: 'optional' } },
  { name: 'failing_job', description: 'Fails as a tool after a moment (only as a task)', inputSchema: object(), execution: { taskSupport: 'required' } },
  { name: 'protocol_error_job', description: 'Fails with a protocol error (only as a task)', inputSchema: object(), execution: { taskSupport: 'required' } },
  { name: 'confirm_delete', description: 'Asks its client to confirm, then deletes (pretend)', inputSchema: object({ filename: { type: 'string' } }), execution: { taskSupport: 'optional' } },
  { name: 'test_tool_with_task', description: 'Asks the user their name, then works on it (only as a task)', inputSchema: object(), execution: { taskSupport: 'required' } },
  { name: 'multi_input', description: 'Asks its client two things at once', inputSchema: object(), execution: { taskSupport: 'optional' } },
];
const yesNo = { type: 'object' as const, properties: { confirm: { type: 'boolean' as const } } };

const text = (t: string, isError = false) => ({ content: [{ type: 'text' as const, text: t }], ...(isError ? { isError } : {}) });

/** Waits `ms`, or until the call is cancelled. */
const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export function taskToolsServer(): Server {
  const server = new Server({ name: 'standin-jobs', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler('tools/list', () => ({ tools: TOOLS as never }));
  server.setRequestHandler('tools/call', async (req, ctx) => {
    const args = (req.params.arguments ?? {}) as { name?: string; seconds?: number; label?: string; filename?: string };
    switch (req.params.name) {
      case 'greet':
        return text(`Hello, ${args.name ?? 'World'}!`);
      case 'slow_compute':
        await pause((args.seconds ?? 1) * 1000, ctx.mcpReq.signal);
        return text(`computed ${args.label ?? ''} in ${args.seconds ?? 1}s`);
      case 'failing_job':
        await pause(200, ctx.mcpReq.signal);
        return text('the job failed', true);
      case 'confirm_delete': {
        const r = await ctx.mcpReq.elicitInput({ mode: 'form', message: `Delete ${args.filename ?? 'the file'}?`, requestedSchema: yesNo }, { relatedRequestId: ctx.mcpReq.id });
        return text(r.action === 'accept' && r.content?.confirm === true ? `deleted ${args.filename ?? ''}` : 'kept');
      }
      case 'multi_input': {
        const ask = (message: string) => ctx.mcpReq.elicitInput({ mode: 'form', message, requestedSchema: yesNo }, { relatedRequestId: ctx.mcpReq.id });
        const [a, b] = await Promise.all([ask('First?'), ask('Second?')]);
        return text(`answered ${a.action} and ${b.action}`);
      }
      case 'test_tool_with_task': {
        const r = await ctx.mcpReq.elicitInput({ mode: 'form', message: 'What is your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } }, { relatedRequestId: ctx.mcpReq.id });
        await pause(100, ctx.mcpReq.signal);
        return text(`Hello, ${String(r.content?.name ?? 'nobody')}!`);
      }
      case 'protocol_error_job':
        throw new ProtocolError(-32603, 'the job crashed');
      default:
        throw new ProtocolError(-32602, `no tool ${req.params.name}`);
    }
  });
  return server;
}
