import type { CallToolResult } from '@modelcontextprotocol/server';
import { ProtocolError } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { TaskStore } from './tasks.js';

/** A call that ends when told to, or when its signal aborts. */
function pending() {
  let finish!: (r: CallToolResult) => void;
  let fail!: (e: unknown) => void;
  let signal!: AbortSignal;
  const run = (s: AbortSignal) => ((signal = s), new Promise<CallToolResult>((res, rej) => ((finish = res), (fail = rej), s.addEventListener('abort', () => rej(s.reason as Error)))));
  return { run, finish: (r: CallToolResult) => finish(r), fail: (e: unknown) => fail(e), aborted: () => signal.aborted };
}
const settle = () => new Promise((r) => setImmediate(r));

describe('the gateway\'s tasks', () => {
  it('is found at once, working, then inlines the result, or the error of a call that failed', async () => {
    const clock = { t: Date.parse('2026-07-28T10:00:00Z') };
    const store = new TaskStore({ now: () => clock.t });
    const a = pending();
    const created = store.create({}, (_c, s) => a.run(s)) as { taskId: string; resultType: string; status: string; createdAt: string };
    expect(created).toMatchObject({ resultType: 'task', status: 'working', createdAt: '2026-07-28T10:00:00.000Z', ttlMs: 600000, pollIntervalMs: 500 });
    expect(store.get(created.taskId)).not.toHaveProperty('result');
    clock.t += 1000;
    a.finish({ content: [{ type: 'text', text: 'done' }] });
    await settle();
    expect(store.get(created.taskId)).toMatchObject({ status: 'completed', lastUpdatedAt: '2026-07-28T10:00:01.000Z', result: { content: [{ text: 'done' }] } });

    const b = pending();
    const failed = store.create({}, (_c, s) => b.run(s)) as { taskId: string };
    b.fail(new ProtocolError(-32010, 'MCP server "x" failed'));
    await settle();
    expect(store.get(failed.taskId)).toMatchObject({ status: 'failed', error: { code: -32010, message: 'MCP server "x" failed' } });
    expect(store.get(failed.taskId)).not.toHaveProperty('result');
  });

  it('cancels a running task and its call, keeps a finished one as it is, and refuses an unknown one with -32602', async () => {
    const store = new TaskStore();
    const a = pending();
    const { taskId } = store.create({}, (_c, s) => a.run(s)) as { taskId: string };
    expect(store.cancel(taskId)).toEqual({});
    expect(a.aborted()).toBe(true);
    await settle();
    expect(store.get(taskId)).toMatchObject({ status: 'cancelled' });
    expect(store.cancel(taskId)).toEqual({});
    expect(store.get(taskId)).toMatchObject({ status: 'cancelled' });
    expect(() => store.get('nope')).toThrow(expect.objectContaining({ code: -32602 }));
  });

  it('keeps a finished task for its ttl and no longer, and at most max tasks, the finished ones going first', async () => {
    const clock = { t: 0 };
    const store = new TaskStore({ now: () => clock.t, ttlMs: 1000, max: 2 });
    const done = pending();
    const first = store.create({}, (_c, s) => done.run(s)) as { taskId: string };
    done.finish({ content: [] });
    await settle();
    const running = pending();
    const second = store.create({}, (_c, s) => running.run(s)) as { taskId: string };
    clock.t = 999;
    expect(store.get(first.taskId)).toMatchObject({ status: 'completed' });
    // A third: the finished one makes room, the running one stays.
    store.create({}, (_c, s) => pending().run(s));
    expect(() => store.get(first.taskId)).toThrow(/No task/);
    expect(store.get(second.taskId)).toMatchObject({ status: 'working' });
    expect(running.aborted()).toBe(false);
    clock.t = 5000;
    // Working tasks do not expire.
    expect(store.get(second.taskId)).toMatchObject({ status: 'working' });
  });

  it("is its owner's: to another owner it is as unknown (-32602), and nothing they send reaches it", async () => {
    const store = new TaskStore();
    const a = pending();
    const { taskId } = store.create({}, (_c, s) => a.run(s), 'alice') as { taskId: string };
    expect(() => store.get(taskId, 'bob')).toThrow(expect.objectContaining({ code: -32602 }));
    expect(() => store.cancel(taskId, 'bob')).toThrow(expect.objectContaining({ code: -32602 }));
    expect(() => store.update(taskId, {}, 'bob')).toThrow(expect.objectContaining({ code: -32602 }));
    expect(a.aborted()).toBe(false);
    expect(store.get(taskId, 'alice')).toMatchObject({ status: 'working' });
  });
});

