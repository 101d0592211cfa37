import { randomUUID } from 'node:crypto';
import { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, MissingRequiredClientCapabilityError, ProtocolError, type CallToolResult, type ClientCapabilities, type Server, type ServerContext, type Tool } from '@modelcontextprotocol/server';
import { Flow } from './input-flows.js';
import type { CallerChannel } from './upstream.js';
import { z } from 'zod';
import type { Identity } from '../identity/index.js';
import { sessionOf } from '../store/preview.js';

/**
 * The tasks extension (SEP-2663, 2026-07-28) on `/mcp`: a `tools/call` of a tool that may run
 * as a task comes back at once as a task (`resultType: "task"`), the gateway runs the upstream
 * call, and the client polls `tasks/get` (whose answer inlines the result or the error once
 * it is done) or ends it with `tasks/cancel`.
 *
 * Which tools: those whose upstream marks them `execution.taskSupport` `optional` or
 * `required` (the 2025-11-25 field); the upstream is called as for any call, the task is the
 * gateway's. Only for a request that declares the extension in its `_meta` client
 * capabilities; without it an `optional` tool answers as usual and a `required` one is refused
 * with -32021 naming the extension.
 *
 * Ownership: a task is its creator's (the identity behind the local token, the agent's session
 * and the client's name as the request carries them); to anyone else it does not exist, the
 * same -32602 as an unknown id, so a task id says nothing to a client that did not make it.
 *
 * Bounds: a task is kept `ttlMs` after its last change (finished ones are what expire), at
 * most `max` at once; past that the oldest finished one goes first, else the oldest, cancelled.
 */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

export type TaskSupport = 'forbidden' | 'optional' | 'required';
type Status = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

interface Task {
  taskId: string;
  /** Who created it (taskOwner in front.ts): no other client can read, answer or cancel it. */
  owner: string;
  status: Status;
  createdAt: number;
  lastUpdatedAt: number;
  result?: CallToolResult;
  error?: { code: number; message: string; data?: unknown };
  /** The call's questions to its client: while any is open the task is `input_required`. */
  flow: Flow<CallToolResult>;
}

export interface TaskStoreOptions {
  max?: number;
  ttlMs?: number;
  pollIntervalMs?: number;
  now?: () => number;
}

/** The tool's `execution.taskSupport` as its upstream listed it. */
export function taskSupport(tool: Tool | undefined): TaskSupport {
  const s = (tool as { execution?: { taskSupport?: unknown } } | undefined)?.execution?.taskSupport;
  return s === 'optional' || s === 'required' ? s : 'forbidden';
}

/** Whether the request declared the extension (2026-07-28 carries the capabilities on every request). */
export function declaresTasks(ctx: ServerContext): boolean {
  return clientCaps(ctx)?.extensions?.[TASKS_EXTENSION] !== undefined;
}

export const clientCaps = (ctx: ServerContext) => (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] as (ClientCapabilities & { extensions?: Record<string, unknown> }) | undefined;

export const tasksRequired = (what: string) =>
  new MissingRequiredClientCapabilityError({ requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } } as never, `${what} needs the ${TASKS_EXTENSION} extension: declare it in _meta["${CLIENT_CAPABILITIES_META_KEY}"].extensions.`);

export class TaskStore {
  private readonly tasks = new Map<string, Task>();
  private readonly max: number;
  private readonly ttlMs: number;
  private readonly pollIntervalMs: number;
  private readonly now: () => number;

  constructor(o: TaskStoreOptions = {}) {
    this.max = o.max ?? 256;
    this.ttlMs = o.ttlMs ?? 600_000;
    this.pollIntervalMs = o.pollIntervalMs ?? 500;
    this.now = o.now ?? Date.now;
  }

  /**
   * Starts `run` as a task; the task exists (a `tasks/get` finds it) before this returns. The
   * call's upstream may ask its client what `caps` declares: the task is then
   * `input_required`, its questions in `tasks/get`, answered with `tasks/update`.
   */
  create(caps: ClientCapabilities, run: (channel: CallerChannel, signal: AbortSignal) => Promise<CallToolResult>, owner = ''): Record<string, unknown> {
    const flow = new Flow<CallToolResult>('task');
    run(flow.channel(caps, {}), flow.abort.signal).then(
      (result) => this.finish(task, { status: 'completed', result }),
      (err: unknown) => this.finish(task, { status: 'failed', error: errorOf(err) }),
    );
    const task = this.adopt(flow, owner);
    return { resultType: 'task', ...this.envelope(task) };
  }

  /**
   * A call that began as a multi-round one (input-flows.ts) goes on as a task: its flow, with
   * the call running in it, is the task's from now on.
   */
  continueAsTask(flow: Flow<CallToolResult>, owner: string): Record<string, unknown> {
    const task = this.adopt(flow, owner);
    // The request that started it is answered now: progress and logs have nowhere to go.
    flow.live = {};
    flow.parked = false;
    flow.done.then(
      (result) => this.finish(task, { status: 'completed', result }),
      (err: unknown) => this.finish(task, { status: 'failed', error: errorOf(err) }),
    );
    return { resultType: 'task', ...this.envelope(task) };
  }

  private adopt(flow: Flow<CallToolResult>, owner: string): Task {
    this.sweep();
    const at = this.now();
    const task: Task = { taskId: randomUUID(), owner, status: 'working', createdAt: at, lastUpdatedAt: at, flow };
    flow.onChange = () => this.moved(task);
    this.makeRoom();
    this.tasks.set(task.taskId, task);
    this.moved(task);
    return task;
  }

  /** The task as it stands, with its questions while it waits, its result or error once it is done. */
  get(taskId: string, owner = ''): Record<string, unknown> {
    const task = this.find(taskId, owner);
    const asking = task.status === 'input_required' ? { inputRequests: task.flow.questions() } : {};
    return { ...this.envelope(task), ...asking, ...(task.result ? { result: task.result } : {}), ...(task.error ? { error: task.error } : {}) };
  }

  /** Answers some or all of a waiting task's questions (keys it did not ask are ignored). */
  update(taskId: string, responses: Record<string, unknown>, owner = ''): Record<string, never> {
    this.find(taskId, owner).flow.answer(responses);
    return {};
  }

  /** Cancels a running task (its upstream call is cancelled); a finished one stays as it is. */
  cancel(taskId: string, owner = ''): Record<string, never> {
    const task = this.find(taskId, owner);
    if (task.status === 'working' || task.status === 'input_required') {
      this.finish(task, { status: 'cancelled' });
      task.flow.end('the client cancelled the task');
    }
    return {};
  }

  get size(): number {
    return this.tasks.size;
  }

  close(): void {
    for (const t of this.tasks.values()) t.flow.end('the gateway is shutting down');
    this.tasks.clear();
  }

  private find(taskId: string, owner: string): Task {
    this.sweep();
    const task = this.tasks.get(taskId);
    if (!task || task.owner !== owner) throw new ProtocolError(-32602, `No task ${taskId} on this gateway (it expired, or the gateway restarted): call the tool again.`);
    return task;
  }

  private finish(task: Task, end: Pick<Task, 'status' | 'result' | 'error'>): void {
    if (!running(task)) return;
    Object.assign(task, end, { lastUpdatedAt: this.now() });
  }

  /** A question came or was answered: a running task is `input_required` while any is open. */
  private moved(task: Task): void {
    if (!running(task)) return;
    const status = task.flow.open.size > 0 ? 'input_required' : 'working';
    if (status !== task.status) Object.assign(task, { status, lastUpdatedAt: this.now() });
  }

  private envelope(t: Task): Record<string, unknown> {
    return { taskId: t.taskId, status: t.status, createdAt: new Date(t.createdAt).toISOString(), lastUpdatedAt: new Date(t.lastUpdatedAt).toISOString(), ttlMs: this.ttlMs, pollIntervalMs: this.pollIntervalMs };
  }

  private sweep(): void {
    const now = this.now();
    for (const t of this.tasks.values()) if (!running(t) && t.lastUpdatedAt + this.ttlMs <= now) this.tasks.delete(t.taskId);
  }

  private makeRoom(): void {
    while (this.tasks.size >= this.max) {
      const all = [...this.tasks.values()];
      const victim = all.find((t) => !running(t)) ?? all[0]!;
      this.tasks.delete(victim.taskId);
      victim.flow.end(`the gateway keeps at most ${this.max} tasks`);
    }
  }
}

/**
 * How a stateless `tools/call` of `tool` runs: undefined as usual; `now` a task from its first
 * answer (a tool that may run as one); `after-asking` a task once it has what it asks first
 * (a tool that runs only as a task may ask before its work starts, SEP-2663 on SEP-2322: its
 * first rounds are input_required results, input-flows.ts, and the round whose answers are in
 * becomes the task). A `required` tool for a request without the extension is refused.
 */
export function taskMode(ctx: ServerContext, name: string, tool: Tool | undefined): 'now' | 'after-asking' | undefined {
  const support = taskSupport(tool);
  if (support === 'forbidden') return undefined;
  if (!declaresTasks(ctx)) {
    if (support === 'required') throw tasksRequired(`The tool ${name} runs only as a task, which`);
    return undefined;
  }
  return support === 'required' ? 'after-asking' : 'now';
}

/** Whose a task is: the identity behind the local token, the agent's session its headers name, the client's name in `_meta`. */
export function taskOwner(ctx: ServerContext, who: Identity): string {
  const headers = ctx.http?.req ? Object.fromEntries(ctx.http.req.headers) : {};
  const client = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_INFO_META_KEY] as { name?: unknown } | undefined;
  return JSON.stringify([who.user, who.team, sessionOf(headers, null, {}), typeof client?.name === 'string' ? client.name : null]);
}

/** `tasks/get`, `tasks/cancel` and `tasks/update` on a stateless server (`tasks/result` and `tasks/list` are gone in SEP-2663: -32601). */
export function serveTasks(server: Server, store: TaskStore, owner: (ctx: ServerContext) => string): void {
  const schemas = { params: z.object({ taskId: z.string() }).passthrough() };
  server.setRequestHandler('tasks/get', schemas, (p, ctx) => {
    if (!declaresTasks(ctx)) throw tasksRequired('tasks/get');
    return store.get(p.taskId, owner(ctx));
  });
  server.setRequestHandler('tasks/cancel', schemas, (p, ctx) => {
    if (!declaresTasks(ctx)) throw tasksRequired('tasks/cancel');
    return store.cancel(p.taskId, owner(ctx));
  });
  server.setRequestHandler('tasks/update', { params: z.object({ taskId: z.string(), inputResponses: z.record(z.string(), z.unknown()).default({}) }).passthrough() }, (p, ctx) => {
    if (!declaresTasks(ctx)) throw tasksRequired('tasks/update');
    // The SDK lifts `inputResponses` off the params (as for a multi-round retry) into the context.
    return store.update(p.taskId, ctx.mcpReq.inputResponses ?? p.inputResponses, owner(ctx));
  });
}

const running = (t: Task) => t.status === 'working' || t.status === 'input_required';

/** A call's failure as a task's `error`: the JSON-RPC error the call would have answered. */
function errorOf(err: unknown): Task['error'] {
  if (err instanceof ProtocolError) return { code: err.code, message: err.message, ...(err.data !== undefined ? { data: err.data } : {}) };
  return { code: -32603, message: err instanceof Error ? err.message : String(err) };
}
