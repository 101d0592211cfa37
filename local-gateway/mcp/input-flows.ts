import { randomBytes, randomUUID } from 'node:crypto';
import { CLIENT_CAPABILITIES_META_KEY, createRequestStateCodec, inputRequired, isInputRequiredResult, isSpecType, MissingRequiredClientCapabilityError, ProtocolError, type ClientCapabilities, type InputRequests, type InputRequiredResult, type InputResponses, type ServerContext } from '@modelcontextprotocol/server';
import type { CallerChannel } from './upstream.js';

/**
 * A tool call of a stateless 2026-07-28 client whose upstream speaks 2025-11-25 and asks
 * questions while it runs (elicitation, sampling, roots). That client cannot take a
 * server→client request, so the call is parked here and its questions go out as an
 * `input_required` result (SEP-2322); the client's retry, carrying `inputResponses` and the
 * `requestState` we minted, answers the waiting questions and the call goes on, to its result
 * or to the next questions.
 *
 * Request state: an HMAC-signed `{ flow id, round }` (the SDK's codec, keyed by a random key
 * per gateway that lives only in memory), bound to the method. The server seam refuses a
 * tampered, expired or foreign state with -32602 before this runs; a state of an earlier
 * round, of another tool, or of a flow no longer held is refused here.
 *
 * Bounds: at most `max` flows are held (the oldest is ended to make room), each for `ttlMs`
 * after its last round; an ended flow's upstream call is cancelled and its questions refused.
 */
export interface InputFlowOptions {
  max?: number;
  ttlMs?: number;
  /**
   * Waited, after a question, for more (a 2025 upstream asks what it needs at once, one
   * request each): every question asked before it resolves goes out in the same result.
   * Later ones are not lost, they go out in the next round.
   */
  gather?: () => Promise<void>;
  now?: () => number;
}

type Method = 'elicitation/create' | 'sampling/createMessage' | 'roots/list';
const KEY: Record<Method, string> = { 'elicitation/create': 'elicitation', 'sampling/createMessage': 'sampling', 'roots/list': 'roots' };
const VALID: Record<Method, (v: unknown) => boolean> = {
  'elicitation/create': (v) => isSpecType.ElicitResult(v),
  'sampling/createMessage': (v) => isSpecType.CreateMessageResult(v) || isSpecType.CreateMessageResultWithTools(v),
  'roots/list': (v) => isSpecType.ListRootsResult(v),
};

interface Question {
  method: Method;
  params: Record<string, unknown>;
  answer(v: unknown): void;
  refuse(err: Error): void;
}

/**
 * A parked call (`f`, its round `r`), or a 2026-07-28 upstream's questions passed on as it
 * asked them: then `u` is that upstream's own requestState, carried inside ours so the client
 * cannot alter it, and `t` what was called (upstream-rounds.ts).
 */
type FlowState = { f: string; r: number } | { t: string; u?: string };

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A call's questions to its client, and how the call stands; also what a task waits on (tasks.ts). */
export class Flow<T> {
  readonly id = randomUUID();
  round = 0;
  expiresAt = 0;
  /** Questions not answered yet, by the key they went out under. */
  readonly open = new Map<string, Question>();
  readonly abort = new AbortController();
  /** Where progress and logs go: the client request that is waiting now. */
  live: CallerChannel = {};
  settled: Settled<T> | null = null;
  /** Between an input_required result and the client's retry. */
  parked = false;
  private asked = 0;
  private wake: (() => void) | null = null;

  constructor(readonly tool: string) {}

  /**
   * The channel the upstream call gets: questions only of the kinds the client declared. One
   * of another kind is refused (upstream.ts); if the call then fails, it failed for want of
   * that capability, and the client gets -32021 naming it (HTTP 400) rather than the
   * upstream's failure.
   */
  channel(caps: ClientCapabilities, first: CallerChannel): CallerChannel {
    this.live = first;
    const ask = <R>(method: Method, params: Record<string, unknown>, withdrawn?: AbortSignal) => this.ask(method, params, withdrawn) as Promise<R>;
    return {
      waiting: () => this.parked,
      lacking: (capability) => void (this.missing ??= capability),
      ...(first.progress ? { progress: (p) => this.live.progress?.(p) } : {}),
      ...(first.log ? { log: (p) => this.live.log?.(p) } : {}),
      ...(caps.elicitation ? { elicit: (p, w) => ask('elicitation/create', p, w) } : {}),
      ...(caps.sampling ? { sample: (p, w) => ask('sampling/createMessage', p, w) } : {}),
      ...(caps.roots ? { roots: (_p, w) => ask('roots/list', {}, w) } : {}),
    };
  }

  /** A capability the call asked for and its client did not declare. */
  private missing: string | null = null;

  private finished!: (s: Settled<T>) => void;
  /** How the call ended, once it did (what a task that took the flow over waits on). */
  readonly done = new Promise<T>((resolve, reject) => (this.finished = (s) => (s.ok ? resolve(s.value) : reject(s.error))));

  run(call: Promise<T>): void {
    this.done.catch(() => undefined);
    call.then(
      (value) => this.settle({ ok: true, value }),
      (error: unknown) => this.settle({ ok: false, error }),
    );
  }

  private settle(s: Settled<T>): void {
    if (this.settled) return;
    const failed = !s.ok || (s.value as { isError?: unknown } | null)?.isError === true;
    if (failed && this.missing !== null) {
      const message = `The call needs the client's ${this.missing} capability, which its request did not declare in _meta["${CLIENT_CAPABILITIES_META_KEY}"].`;
      s = { ok: false, error: new MissingRequiredClientCapabilityError({ requiredCapabilities: { [this.missing]: {} } } as never, message) };
    }
    this.settled = s;
    this.finished(s);
    this.poke();
  }

  private ask(method: Method, params: Record<string, unknown>, withdrawn?: AbortSignal): Promise<unknown> {
    if (this.abort.signal.aborted) return Promise.reject(new Error('the client stopped answering: its call was ended'));
    return new Promise((answer, refuse) => {
      const key = `${KEY[method]}_${++this.asked}`;
      this.open.set(key, { method, params, answer, refuse });
      // A question the upstream withdraws is not asked (or no longer waited for).
      withdrawn?.addEventListener('abort', () => void (this.open.delete(key) && (refuse(new Error('withdrawn by the server')), this.poke())), { once: true });
      this.poke();
    });
  }

  /** Called whenever a question comes or the call ends (a task's last change moves). */
  onChange?: () => void;

  private poke(): void {
    this.onChange?.();
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private until(): Promise<void> {
    return new Promise((r) => (this.wake = r));
  }

  /** Waits for the call's result or its next questions (gathering those asked together). */
  async next(gather: () => Promise<void>): Promise<'settled' | 'asked'> {
    for (;;) {
      while (!this.settled && this.open.size === 0) await this.until();
      for (let seen = -1; !this.settled && seen !== this.asked; ) {
        seen = this.asked;
        await Promise.race([gather(), this.until()]);
      }
      if (this.settled) return 'settled';
      // Everything gathered may have been withdrawn meanwhile: then wait on.
      if (this.open.size > 0) return 'asked';
    }
  }

  /** Checks every response first, so a bad one answers nothing. Keys it did not ask are ignored. */
  answer(responses: Record<string, unknown>): void {
    for (const [key, q] of this.open) {
      if (key in responses && !VALID[q.method](responses[key])) {
        throw new ProtocolError(-32602, `inputResponses.${key} is not a ${q.method} result: send the result the client would have answered that request with.`);
      }
    }
    for (const [key, q] of [...this.open]) {
      if (!(key in responses)) continue;
      this.open.delete(key);
      q.answer(responses[key]);
    }
  }

  end(reason: string): void {
    this.abort.abort(new Error(reason));
    for (const q of this.open.values()) q.refuse(new Error(reason));
    this.open.clear();
  }

  questions(): InputRequests {
    const out: InputRequests = {};
    for (const [key, q] of this.open) out[key] = { method: q.method, params: q.params } as InputRequests[string];
    return out;
  }
}

const DEFAULT_GATHER = () => new Promise<void>((r) => setTimeout(r, 50));

export class InputFlows<T> {
  private readonly flows = new Map<string, Flow<T>>();
  private readonly codec = createRequestStateCodec<FlowState>({ key: randomBytes(32), ttlSeconds: 600, bind: (ctx) => ctx.mcpReq.method });
  private readonly max: number;
  private readonly ttlMs: number;
  private readonly gather: () => Promise<void>;
  private readonly now: () => number;

  constructor(o: InputFlowOptions = {}) {
    this.max = o.max ?? 64;
    this.ttlMs = o.ttlMs ?? 600_000;
    this.gather = o.gather ?? DEFAULT_GATHER;
    this.now = o.now ?? Date.now;
  }

  /** For `ServerOptions.requestState.verify`: the seam refuses what this throws on. */
  readonly verify = (state: string, ctx: ServerContext): Promise<FlowState> => this.codec.verify(state, ctx);

  /** How many calls are parked (for tests of the bounds). */
  get size(): number {
    return this.flows.size;
  }

  /**
   * One round of a stateless client's call (`tools/call`, `prompts/get`): a new call, or,
   * when the request carries our state, the parked call it continues. `start` runs the call
   * with the channel to use; `tool` names what is called, so a state is not taken for another.
   */
  /**
   * `escalate`: the call may go on as a task (tasks.ts) once it has what it asked first: a new
   * call that asks nothing within the gather window, or a retry once its answers are in, is
   * handed to `escalate` and answered with what it returns.
   */
  async round<R extends T>(ctx: ServerContext, tool: string, caller: CallerChannel, start: (channel: CallerChannel, signal: AbortSignal) => Promise<R>, escalate?: (flow: Flow<T>) => Record<string, unknown>): Promise<R | InputRequiredResult> {
    this.sweep();
    const state = ctx.mcpReq.requestState<FlowState>();
    let flow: Flow<T>;
    if (state === undefined || 't' in state) {
      if (state && state.t !== tool) throw new ProtocolError(-32602, `This requestState belongs to a call of ${state.t}, not ${tool}: re-send the request it came with.`);
      flow = new Flow<T>(tool);
      const caps = (ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined;
      const resume = state ? { resume: { inputResponses: (ctx.mcpReq.inputResponses ?? {}) as InputResponses, ...(state.u !== undefined ? { requestState: state.u } : {}) } } : {};
      flow.run(start({ ...flow.channel(caps ?? {}, caller), passOn: true, ...resume }, flow.abort.signal));
    } else {
      const held = this.flows.get(state.f);
      if (!held) throw new ProtocolError(-32602, 'This requestState names a call the gateway no longer holds (it expired, was ended to make room, or the gateway restarted): call the tool again without requestState.');
      if (held.tool !== tool) throw new ProtocolError(-32602, `This requestState belongs to a call of ${held.tool}, not ${tool}: re-send the request it came with.`);
      if (held.round !== state.r) throw new ProtocolError(-32602, 'This requestState is of an earlier round of the call: send the requestState of the latest input_required result.');
      flow = held;
      flow.answer(ctx.mcpReq.inputResponses ?? {});
      flow.live = caller;
      flow.parked = false;
    }
    // The client cancelling the request it waits on ends the call (once answered, the request's end is no cancellation).
    const cancel = () => flow.end('the client cancelled the call');
    ctx.mcpReq.signal.addEventListener('abort', cancel, { once: true });
    const moved = await this.first(flow, escalate !== undefined, state !== undefined).finally(() => ctx.mcpReq.signal.removeEventListener('abort', cancel));
    // A 2026-07-28 upstream's own input_required, already there, goes out as one (below), not as a task.
    const passedOn = flow.settled?.ok === true && isInputRequiredResult(flow.settled.value);
    if (escalate && moved !== 'asked' && !passedOn) {
      this.flows.delete(flow.id);
      return escalate(flow) as unknown as R;
    }
    const settled = flow.settled;
    if (settled) {
      this.flows.delete(flow.id);
      // The flow was started by this call's `start`, for this tool and method (its state is bound to both).
      if (!settled.ok) throw settled.error;
      const v = settled.value as unknown;
      if (!isInputRequiredResult(v)) return settled.value as R;
      const passed: FlowState = { t: tool, ...(v.requestState !== undefined ? { u: v.requestState } : {}) };
      return inputRequired({ inputRequests: v.inputRequests ?? {}, requestState: await this.codec.mint(passed, ctx) });
    }
    flow.round++;
    flow.parked = true;
    flow.expiresAt = this.now() + this.ttlMs;
    this.hold(flow);
    return inputRequired({ inputRequests: flow.questions(), requestState: await this.codec.mint({ f: flow.id, r: flow.round }, ctx) });
  }

  /**
   * What the call did first: asked (its questions gathered), settled, or, for one that may go
   * on as a task, nothing within the gather window (`quiet`); a retry of such a call is quiet
   * at once, its answers being in.
   */
  private first(flow: Flow<T>, escalates: boolean, retry: boolean): Promise<'settled' | 'asked' | 'quiet'> {
    if (!escalates) return flow.next(this.gather);
    if (retry) return Promise.resolve('quiet');
    const moved = flow.next(this.gather);
    return Promise.race([moved, this.gather().then(() => (flow.open.size > 0 ? moved : 'quiet' as const))]);
  }

  private hold(flow: Flow<T>): void {
    if (this.flows.has(flow.id)) return;
    while (this.flows.size >= this.max) {
      const [oldest] = this.flows.values();
      this.flows.delete(oldest!.id);
      oldest!.end(`the gateway holds at most ${this.max} calls waiting for their client's input, and this was the oldest`);
    }
    this.flows.set(flow.id, flow);
  }

  private sweep(): void {
    const now = this.now();
    for (const f of this.flows.values()) {
      if (f.expiresAt > now) continue;
      this.flows.delete(f.id);
      f.end('its client did not answer in time');
    }
  }

  close(): void {
    for (const f of this.flows.values()) f.end('the gateway is shutting down');
    this.flows.clear();
  }
}
