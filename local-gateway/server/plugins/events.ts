import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createEventBus, policyEvent, type EventBus } from '../../admin/events.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Recorded requests and policy changes, as `WS /api/events` sends them. */
    events: EventBus;
  }
}

/** The live event bus; the policy source publishes each change on it. */
async function events(app: FastifyInstance): Promise<void> {
  const bus = createEventBus(app.runtime.log);
  app.policy.source.onChange((p) => bus.publish(policyEvent(p)));
  // The policy in force stays, but the page shows the refusal (or that a revert cleared it).
  app.policy.source.onLastError?.(() => bus.publish(policyEvent(app.policy.source.current())));
  app.decorate('events', bus);
}

export const eventsPlugin = fp(events, { name: 'gatehouse-events', dependencies: ['gatehouse-runtime', 'gatehouse-policy'] });
