import type { Logger } from '../core/log.js';
import type { TraceSink } from '../pipeline/trace.js';
import type { ActivePolicy } from '../policy/source.js';
import type { TraceHead, TraceRecord, TraceSummary } from '../store/schema.js';
import type { ServerEvent } from './schemas.js';

/**
 * The in-process bus behind `WS /api/events`: the trace sink publishes each recorded request,
 * the policy source each change, and every open socket subscribes. Listeners run on the
 * request thread, so they only queue a frame.
 */
export interface EventBus {
  /** How many listen (open sockets); with none, an event is not even built. */
  readonly subscribers: number;
  publish(event: ServerEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: (event: ServerEvent) => void): () => void;
}

export function createEventBus(log: Logger): EventBus {
  const listeners = new Set<(event: ServerEvent) => void>();
  return {
    get subscribers() {
      return listeners.size;
    },
    publish(event) {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (err) {
          // One broken socket must not cost the request that published, nor the other sockets.
          log.error('an event listener failed', { err: (err as Error).message });
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}

/** A trace head as a `GET /api/traces` list item: no headers, only the verdicts that fired. */
export function listItem(head: TraceHead): TraceSummary {
  // The org bundle version travels in the sync record only; the store's list item has no such field.
  const { verdicts, request_headers: _req, response_headers: _res, policy_version: _version, ...rest } = head;
  const fired = verdicts
    .filter((v) => v.decision !== 'allow')
    .map((v) => ({ tier: v.tier, rule: v.rule, stage: v.stage, decision: v.decision, mode: v.mode, enforced: v.enforced }));
  return { ...rest, fired };
}

/** A trace sink that also tells the bus, once the trace is durable. */
export function publishingSink(sink: TraceSink, bus: EventBus): TraceSink {
  return {
    write(record: TraceRecord) {
      sink.write(record);
      if (bus.subscribers > 0) bus.publish({ type: 'trace', trace: listItem(record.head) });
    },
  };
}

export function policyEvent(policy: ActivePolicy): ServerEvent {
  return { type: 'policy', version: policy.bundle?.version ?? null, source: policy.source };
}
