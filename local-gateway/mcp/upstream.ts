import { CLIENT_CAPABILITIES_META_KEY, Client, LOG_LEVEL_META_KEY, ProtocolError, StreamableHTTPClientTransport, type CallToolResult, type InputRequiredResult, type McpSubscription, type VersionNegotiationMode, type CreateMessageRequest, type CreateMessageResult, type ElicitRequest, type ElicitResult, type ListRootsResult, type LoggingMessageNotification, type ServerCapabilities, type Tool } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { McpServerConfig } from '../config/schema.js';
import { isSecretRef } from '../core/secret-ref.js';
import type { Logger } from '../core/log.js';
import { VERSION } from '../core/version.js';
import { loadSecret } from '../providers/secrets.js';
import { McpFailure } from './errors.js';
import { upstreamHttp, type UpstreamHttp } from './upstream-http.js';
import { driveRounds, type Resume } from './upstream-rounds.js';

export interface UpstreamOptions {
  config: McpServerConfig;
  /** Where `env:` references are read from. */
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  maxResultBytes: number;
  log: Logger;
  /** The server said its tool list changed (or it reconnected with another list). */
  onToolsChanged: () => void;
  /** The server said a resource a client subscribed to changed. */
  onResourceUpdated?: (uri: string) => void;
  /** The server said its prompts or its resources changed (they are listed anew on each client's next listing). */
  onContentChanged?: (what: 'prompts' | 'resources') => void;
}

/**
 * The client a tool call came from, as far as the call's upstream may reach it while the call
 * runs: the call's progress, and the server's questions (elicitation, sampling, roots). Each is
 * absent when that client cannot take it (no progress token, no such capability).
 */
export interface CallerChannel {
  progress?(p: { progress: number; total?: number; message?: string }): void;
  elicit?(params: ElicitRequest['params'], withdrawn?: AbortSignal): Promise<ElicitResult>;
  sample?(params: CreateMessageRequest['params'], withdrawn?: AbortSignal): Promise<CreateMessageResult>;
  /** The client's roots (`roots/list`), for a server that asks where it may work. */
  roots?(params?: undefined, withdrawn?: AbortSignal): Promise<ListRootsResult>;
  /** Told when the server asked what the client did not declare (the question is refused). */
  lacking?(capability: 'elicitation' | 'sampling' | 'roots'): void;
  /** Whether the call is parked until its client answers what it was asked: a new question is not its. */
  waiting?(): boolean;
  /** The server's log messages (`notifications/message`) while the call runs, at the level the client asked for. */
  log?(params: LoggingMessageNotification['params']): void;
  /** A 2026-07-28 client: a 2026-07-28 upstream's `input_required` result goes back to it as written (upstream-rounds.ts). */
  passOn?: true;
  /** That client's retry: its answers and the upstream's state, sent on with the call. */
  resume?: Resume;
}

/** The questions a caller can take, as a 2026-07-28 request declares them. */
const capabilitiesOf = (c: CallerChannel) => ({ ...(c.elicit ? { elicitation: { form: {} } } : {}), ...(c.sample ? { sampling: {} } : {}), ...(c.roots ? { roots: {} } : {}) });

/** What `protocol` in gatehouse.yaml asks of the SDK client's negotiation. */
const NEGOTIATION: Record<McpServerConfig['protocol'], VersionNegotiationMode> = { auto: 'auto', '2025-11-25': 'legacy', '2026-07-28': { pin: '2026-07-28' } };

/**
 * One upstream MCP server, spoken to through the official SDK client: started or connected
 * on first use, reconnected on the next call after it crashed or hung up. Its tool list is
 * kept until it says the list changed.
 */
export class Upstream {
  readonly id: string;
  /** Whether its tools are exposed as `<id>_<tool>` (else under their own names). */
  readonly prefix: boolean;
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private listed: Promise<Tool[]> | null = null;
  private closed = false;
  /** What the transport last reported: a connection that closes says only "Connection closed", this says why. */
  private lastError: string | null = null;
  /** Calls waiting for an answer: an HTTP answer cut for its size fails them at once, not at their timeout. */
  private readonly inflight = new Set<AbortController>();
  /** The clients of the calls waiting for an answer, oldest first: where the server's questions go. */
  private readonly callers: CallerChannel[] = [];
  /** An HTTP upstream's connections, kept alive across calls and reconnections. */
  private http: UpstreamHttp | null = null;

  constructor(private readonly o: UpstreamOptions) {
    this.id = o.config.id;
    this.prefix = o.config.prefix;
  }

  private get timeout(): number {
    return this.o.config.timeout_ms ?? this.o.timeoutMs;
  }

  /** Starting a server (a `node`/`npx` process) can take longer than a call may: its handshake and listing get at least this. */
  private get startTimeout(): number {
    return Math.max(this.timeout, 30_000);
  }

  /** The server's tools, listed once per connection and again after `list_changed`. */
  tools(): Promise<Tool[]> {
    this.listed ??= this.connect()
      .then((c) => c.listTools(undefined, { timeout: this.startTimeout }))
      .then((r) => r.tools)
      .catch((err: unknown) => {
        this.listed = null;
        throw this.failure(err, 'list its tools');
      });
    return this.listed;
  }

  /**
   * Calls one tool; every failure (crash, timeout, bad answer, too large) is an McpFailure with a
   * message. The answer is an `input_required` result only for a caller that `passOn`s it.
   */
  async call(tool: string, args: Record<string, unknown> | undefined, signal: AbortSignal, caller: CallerChannel = {}): Promise<CallToolResult | InputRequiredResult> {
    let result: CallToolResult | InputRequiredResult;
    const own = new AbortController();
    // The caller cancelling aborts the upstream request, which the SDK client tells the server (notifications/cancelled).
    const cancel = () => own.abort(signal.reason);
    signal.addEventListener('abort', cancel, { once: true });
    this.inflight.add(own);
    this.callers.push(caller);
    try {
      const client = await this.connect();
      const progress = caller.progress;
      // Progress goes to the caller under its own token; it also keeps a slow but living call from timing out.
      const options = { timeout: this.timeout, signal: own.signal, ...(progress ? { onprogress: progress, resetTimeoutOnProgress: true } : {}) };
      if (client.getProtocolEra() === 'modern') {
        // 2026-07-28 says per request what its client takes: the upstream asks only what this caller can answer, and
        // logs only for a request that names a level (the caller's channel filters by its own). Questions come back as results.
        const _meta = { [CLIENT_CAPABILITIES_META_KEY]: capabilitiesOf(caller), ...(caller.log ? { [LOG_LEVEL_META_KEY]: 'debug' } : {}) };
        const send = (resume: Resume | undefined) =>
          client.callTool({ name: tool, arguments: args, ...resume, _meta }, { ...options, allowInputRequired: true }) as Promise<CallToolResult | InputRequiredResult>;
        result = await driveRounds(send, caller, { server: this.id, tool }, own.signal);
      } else result = await client.callTool({ name: tool, arguments: args }, options);
    } catch (err) {
      throw own.signal.reason instanceof McpFailure ? own.signal.reason : this.failure(err, `run ${tool}`);
    } finally {
      signal.removeEventListener('abort', cancel);
      this.inflight.delete(own);
      this.callers.splice(this.callers.indexOf(caller), 1);
    }
    // A stdio reader caps the line at the same size; this catches the HTTP side's whole answer.
    const size = Buffer.byteLength(JSON.stringify(result));
    if (size > this.o.maxResultBytes) {
      throw new McpFailure('result_too_large', `MCP server "${this.id}" answered ${tool} with ${(size / 1048576).toFixed(1)} MB, over mcp.max_result_mb (${this.o.maxResultBytes / 1048576} MB): ask for less, or raise the limit in gatehouse.yaml.`);
    }
    return result;
  }

  /** What the server said it serves (connecting first): resources and prompts are asked only of servers that have them. */
  async capabilities(): Promise<ServerCapabilities> {
    try {
      return (await this.connect()).getServerCapabilities() ?? {};
    } catch (err) {
      throw this.failure(err, 'connect');
    }
  }

  /**
   * One request other than a tool call (resources, prompts, completions). The server's own
   * JSON-RPC error (a resource it does not have) goes back as it sent it; any other failure is
   * an McpFailure with a message.
   */
  async request<T>(what: string, send: (client: Client, options: { timeout: number; signal?: AbortSignal; allowInputRequired?: boolean }, extra?: Resume & { _meta: Record<string, unknown> }) => Promise<T>, caller?: CallerChannel, signal?: AbortSignal): Promise<T> {
    // A prompt or a resource may ask its client questions too (elicitation, sampling, roots), like a tool call.
    if (caller) this.callers.push(caller);
    try {
      const client = await this.connect();
      const options = { timeout: this.timeout, ...(signal ? { signal } : {}) };
      if (!caller || client.getProtocolEra() !== 'modern') return await send(client, options);
      // On 2026-07-28 its questions come back as results, bound to this request (as for a tool call, above).
      const _meta = { [CLIENT_CAPABILITIES_META_KEY]: capabilitiesOf(caller) };
      const rounds = (resume: Resume | undefined) => send(client, { ...options, allowInputRequired: true }, { ...resume, _meta }) as Promise<T | InputRequiredResult>;
      return (await driveRounds(rounds, caller, { server: this.id, tool: what }, signal ?? new AbortController().signal)) as T;
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      throw this.failure(err, what);
    } finally {
      if (caller) this.callers.splice(this.callers.indexOf(caller), 1);
    }
  }

  /** 2026-07-28 has no resources/subscribe: a watched resource has a `subscriptions/listen` stream of its own. */
  private readonly watching = new Map<string, McpSubscription>();

  /** Subscribes to a resource's updates (they come to `onResourceUpdated`), as the revision spoken says. */
  watch(uri: string): Promise<void> {
    return this.request(`subscribe to ${uri}`, async (c, o) => {
      if (c.getProtocolEra() !== 'modern') return void (await c.subscribeResource({ uri }, o));
      if (!this.watching.has(uri)) this.watching.set(uri, await c.listen({ resourceSubscriptions: [uri] }, o));
    });
  }

  unwatch(uri: string): Promise<void> {
    return this.request(`unsubscribe from ${uri}`, async (c, o) => {
      if (c.getProtocolEra() !== 'modern') return void (await c.unsubscribeResource({ uri }, o));
      const s = this.watching.get(uri);
      this.watching.delete(uri);
      await s?.close();
    });
  }

  private connect(): Promise<Client> {
    if (this.closed) return Promise.reject(new McpFailure('unavailable', `MCP server "${this.id}" is shutting down with the gateway.`));
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const client = new Client(
      { name: 'gatehouse', version: VERSION },
      {
        // Passed on to the client of the call that is running; one that cannot take them gets an error back.
        capabilities: { elicitation: { form: {} }, sampling: {}, roots: {} },
        // `auto` probes with server/discover (on stdio in a sibling process, so a 2025-only server that exits on it is only that).
        versionNegotiation: { mode: NEGOTIATION[this.o.config.protocol] },
        listChanged: {
          prompts: { autoRefresh: false, onChanged: () => this.o.onContentChanged?.('prompts') },
          resources: { autoRefresh: false, onChanged: () => this.o.onContentChanged?.('resources') },
          tools: {
            onChanged: (err, tools) => {
              if (err || !tools) {
                this.listed = null;
              } else this.listed = Promise.resolve(tools);
              this.o.onToolsChanged();
            },
          },
        },
      },
    );
    // The signal: the server withdrew its question (cancelled it, or gave up on the call).
    client.setRequestHandler('elicitation/create', (req, ctx) => this.ask('elicit', req.params, ctx.mcpReq.signal));
    client.setRequestHandler('sampling/createMessage', (req, ctx) => this.ask('sample', req.params, ctx.mcpReq.signal));
    client.setRequestHandler('roots/list', (_req, ctx) => this.ask('roots', undefined, ctx.mcpReq.signal));
    client.setNotificationHandler('notifications/resources/updated', (n) => this.o.onResourceUpdated?.(n.params.uri));
    // A log message says not which call it belongs to either: it goes to the newest running call's client that takes logs.
    client.setNotificationHandler('notifications/message', (n) => [...this.callers].reverse().find((c) => c.log)?.log?.(n.params));
    const transport = await this.transport();
    // A crash or hang-up: forget the connection, so the next call starts or connects again.
    client.onclose = () => {
      if (this.client === client) this.client = null;
      this.listed = null;
      this.watching.clear();
    };
    client.onerror = (err) => {
      this.lastError = err.message;
      this.o.log.warn('mcp upstream error', { server: this.id, err: err.message });
    };
    await client.connect(transport, { timeout: this.startTimeout });
    if (this.closed) {
      await client.close();
      throw new McpFailure('unavailable', `MCP server "${this.id}" is shutting down with the gateway.`);
    }
    this.client = client;
    return client;
  }

  /**
   * A question the server asks while a call runs, passed to that call's client. The SDK does
   * not say which call a question belongs to, so it goes to the newest running call, leaving
   * out those parked until their client answers (a 2026-07-28 client's, input-flows.ts): with
   * one call at a time, the one that asked. If that call's client cannot answer, the question
   * is refused, never put to another client.
   *
   * (Which stream a question came on would say, over HTTP; but reading the answer in its
   * call's async context costs every promise of the process on Node 20, measured ~0.5 ms CPU
   * per call in bench/mcp.ts.)
   */
  private ask<K extends 'elicit' | 'sample' | 'roots'>(kind: K, params: Parameters<NonNullable<CallerChannel[K]>>[0], withdrawn: AbortSignal): ReturnType<NonNullable<CallerChannel[K]>> {
    const newest = [...this.callers].reverse().find((c) => !c.waiting?.());
    const caller = newest?.[kind] ? newest : undefined;
    const what = ({ elicit: 'elicitation', sample: 'sampling', roots: 'roots' } as const)[kind];
    if (!caller) {
      newest?.lacking?.(what);
      throw new ProtocolError(-32601, `MCP server "${this.id}" asked for ${what}, but no client calling it through Gatehouse can answer (none declared the ${what} capability, or no call is running).`);
    }
    return (caller[kind] as (p: typeof params, w: AbortSignal) => ReturnType<NonNullable<CallerChannel[K]>>)(params, withdrawn);
  }

  private async transport(): Promise<StdioClientTransport | StreamableHTTPClientTransport> {
    const c = this.o.config;
    const secret = (ref: string) => loadSecret(`mcp:${c.id}`, ref, this.o.env).then((v) => v ?? '');
    if ('command' in c) {
      const env: Record<string, string> = { ...getDefaultEnvironment() };
      for (const [k, v] of Object.entries(c.env)) env[k] = isSecretRef(v) ? await secret(v) : v;
      const t = new StdioClientTransport({ command: c.command[0]!, args: c.command.slice(1), env, cwd: c.cwd, stderr: 'pipe', maxBufferSize: this.o.maxResultBytes });
      // The server's own log: kept off the gateway's stderr, shown at debug level.
      t.stderr?.on('data', (d: Buffer) => this.o.log.debug('mcp upstream stderr', { server: this.id, line: d.toString().slice(0, 500) }));
      return t;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(c.headers)) headers[k] = await secret(v);
    this.http ??= upstreamHttp(this.o.maxResultBytes, () => {
      const err = new McpFailure('result_too_large', `MCP server "${this.id}" sent more than mcp.max_result_mb (${this.o.maxResultBytes / 1048576} MB) in one answer: ask for less, or raise the limit in gatehouse.yaml.`);
      for (const call of this.inflight) call.abort(err);
    });
    return new StreamableHTTPClientTransport(new URL(c.url), { requestInit: { headers }, fetch: this.http.fetch });
  }

  private failure(err: unknown, what: string): McpFailure {
    if (err instanceof McpFailure) return err;
    let msg = err instanceof Error ? err.message : String(err);
    if (this.lastError !== null && /closed/i.test(msg)) msg = `${msg} (${this.lastError})`;
    this.lastError = null;
    if (/timed? ?out|timeout/i.test(msg)) {
      return new McpFailure('timeout', `MCP server "${this.id}" did not ${what} within ${this.timeout} ms: check the server, or raise timeout_ms for it in gatehouse.yaml.`);
    }
    if (/too large|exceed|max.?buffer/i.test(msg)) {
      return new McpFailure('result_too_large', `MCP server "${this.id}" sent more than mcp.max_result_mb (${this.o.maxResultBytes / 1048576} MB) to ${what}: ask for less, or raise the limit in gatehouse.yaml.`);
    }
    return new McpFailure('upstream', `MCP server "${this.id}" failed to ${what}: ${msg.slice(0, 300)}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client ?? (await this.connecting?.catch(() => null)) ?? null;
    this.client = null;
    await c?.close().catch(() => undefined);
    this.http?.close();
  }
}
