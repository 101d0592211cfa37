import type { ServerContext } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { InputFlows } from './input-flows.js';
import type { CallerChannel } from './upstream.js';

/** The context the SDK's seam hands a handler: the verified state, the lifted input responses, the envelope. */
function ctxOf(state?: unknown, inputResponses?: Record<string, unknown>): ServerContext {
  return {
    mcpReq: { id: 1, method: 'tools/call', signal: new AbortController().signal, requestState: () => state, inputResponses, envelope: { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } } },
  } as unknown as ServerContext;
}

/** A call that asks one question and answers with what it was told, or fails when it is ended. */
function asking(ended: string[]) {
  return async (channel: CallerChannel, signal: AbortSignal) => {
    signal.addEventListener('abort', () => void ended.push(String((signal.reason as Error).message)));
    const r = await channel.elicit!({ mode: 'form', message: 'Name?', requestedSchema: { type: 'object', properties: {} } });
    return `got ${JSON.stringify(r.content)}`;
  };
}

const now = { t: 0 };
const flows = (o: { max?: number; ttlMs?: number }) => new InputFlows<string>({ ...o, gather: () => Promise.resolve(), now: () => now.t });

async function park(f: InputFlows<string>, ended: string[]) {
  const r = await f.round(ctxOf(), 'ask', {}, asking(ended));
  if (typeof r === 'string') throw new Error('expected input_required');
  return { key: Object.keys(r.inputRequests!)[0]!, state: await f.verify(r.requestState!, ctxOf()) };
}

describe('calls waiting for their client', () => {
  it('holds at most max of them: the oldest is ended, its upstream call cancelled, and its state refused', async () => {
    const ended: string[] = [];
    const f = flows({ max: 2 });
    const a = await park(f, ended);
    await park(f, ended);
    await park(f, ended);
    expect(f.size).toBe(2);
    expect(ended).toEqual([expect.stringContaining('at most 2 calls')]);
    await expect(f.round(ctxOf(a.state, { [a.key]: { action: 'accept', content: {} } }), 'ask', {}, asking(ended))).rejects.toThrow(/no longer holds/);
  });

  it('ends a call its client has not answered within the ttl, on the next round of any call', async () => {
    const ended: string[] = [];
    const f = flows({ ttlMs: 1000 });
    const a = await park(f, ended);
    now.t += 999;
    const b = await park(f, ended);
    expect(ended).toEqual([]);
    now.t += 2;
    const done = await f.round(ctxOf(b.state, { [b.key]: { action: 'accept', content: { n: 1 } } }), 'ask', {}, asking(ended));
    expect(done).toBe('got {"n":1}');
    expect(ended).toEqual([expect.stringContaining('did not answer in time')]);
    expect(f.size).toBe(0);
    await expect(f.round(ctxOf(a.state, {}), 'ask', {}, asking(ended))).rejects.toThrow(/no longer holds/);
  });

  it('answers a call that asks nothing at once, holding nothing', async () => {
    const f = flows({});
    expect(await f.round(ctxOf(), 'plain', {}, () => Promise.resolve('done'))).toBe('done');
    expect(f.size).toBe(0);
  });
});
