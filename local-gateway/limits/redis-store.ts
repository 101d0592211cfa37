import type { Redis } from 'ioredis';
import type { Logger } from '../core/log.js';
import { Breakers, type BreakerSettings } from '../pipeline/breaker.js';
import { gcra } from './gcra.js';
import { BUDGET, GCRA, subjectTag, type LimitScript } from './scripts.js';
import type { BudgetCall, LimitDecision, LimitStoreStatus, RateCall, SharedLimits } from './types.js';

export interface RedisLimitsOptions {
  client: Redis;
  /** The store's URL without its password, for status and logs. */
  display: string;
  /** Gateways sharing the store: each enforces `limit / replicas` on its own while it is out of reach. */
  replicas: number;
  clock: () => number;
  log: Logger;
  breaker?: BreakerSettings;
}

/** Three failures in a row and the store is skipped for 2 s, then one call tries it again. */
const DEFAULT_BREAKER: BreakerSettings = { failures: 3, cooldown_ms: 2_000 };
const BREAKER_KEY = 'redis';
/** Most subjects remembered per local map; past it the oldest go (subjects come and go: users, tickets). */
const MAX_REMEMBERED = 10_000;

/** Sets a key last in insertion order, dropping the oldest past the bound. */
function remember<V>(m: Map<string, V>, key: string, value: V): void {
  m.delete(key);
  m.set(key, value);
  if (m.size > MAX_REMEMBERED) m.delete(m.keys().next().value!);
}

/** A budget key outlives its period by a day, so a late reconcile still finds it. */
const BUDGET_GRACE_MS = 86_400_000;

type Counters = LimitStoreStatus['counters'];

/**
 * Rate limits and budgets shared by every gateway on one Redis. Each decision is one Lua
 * script (EVALSHA, and EVAL when the server's script cache lost it: a restart, SCRIPT
 * FLUSH). Every call is bounded by the client's command timeout and a circuit breaker;
 * while the store is out of reach this replica enforces its share of each limit locally
 * (each unit counted `replicas` times), says so in its status, and never admits unlimited.
 */
export class RedisLimits implements SharedLimits {
  private readonly breakers: Breakers;
  private readonly breaker: BreakerSettings;
  /** The local share: GCRA TATs and budget spend, used only while the store is out of reach. */
  private readonly localTat = new Map<string, number>();
  private readonly localSpend = new Map<string, number>();
  /** Budget spend last seen in the store, so the local share starts from it. */
  private readonly lastSpend = new Map<string, number>();
  /** Budget spend served locally during an outage, added to the store once it answers again. */
  private readonly owed = new Map<string, { call: BudgetCall; amount: number }>();
  private fallbackSince: number | null = null;
  private fallbackReason: string | null = null;
  private readonly counters: Counters = { shared_decisions: 0, local_decisions: 0, timeouts: 0, errors: 0, noscript_reloads: 0, reseeds: 0 };

  constructor(private readonly o: RedisLimitsOptions) {
    this.breaker = o.breaker ?? DEFAULT_BREAKER;
    this.breakers = new Breakers(o.clock);
  }

  async rate(c: RateCall): Promise<LimitDecision> {
    const key = `gh:${subjectTag(c.scope)}:rl:${c.tier}:${c.rule}`;
    const reply = await this.run(GCRA, key, [c.now, c.periodMs, c.limit, c.amount, c.op]);
    if (reply) return { ok: reply[0] === 1, used: Number(reply[1]), retryMs: Number(reply[2]), where: 'shared' };
    const r = gcra(this.localTat.get(key) ?? 0, c.now, c.limit, c.periodMs, c.amount * this.o.replicas, c.op);
    remember(this.localTat, key, r.tat);
    return { ok: r.ok, used: r.used / this.o.replicas, retryMs: r.retryMs, where: 'local' };
  }

  async budget(c: BudgetCall): Promise<LimitDecision> {
    const key = budgetKey(c);
    const ttl = Math.max(1, c.windowEnd - c.now + BUDGET_GRACE_MS);
    const args = (seed: string) => [c.op, c.limit, c.amount, ttl, seed];
    let reply = await this.run(BUDGET, key, args(''));
    if (reply && reply[0] === -1) {
      // Not in the store: a new period, or Redis lost it (a restart without persistence).
      const seed = await c.seed().catch(() => 0);
      this.counters.reseeds++;
      reply = await this.run(BUDGET, key, args(String(seed)));
    }
    if (reply) {
      const spend = Number(reply[1]);
      remember(this.lastSpend, key, c.op === 'take' && reply[0] === 1 ? spend - c.amount : spend);
      return { ok: reply[0] === 1, used: spend, retryMs: 0, where: 'shared' };
    }
    return this.localBudget(key, c);
  }

  status(): LimitStoreStatus {
    return {
      kind: 'redis',
      url: this.o.display,
      replicas: this.o.replicas,
      state: this.fallbackSince === null ? 'shared' : 'local',
      local_since: this.fallbackSince === null ? null : new Date(this.fallbackSince).toISOString(),
      reason: this.fallbackReason,
      counters: { ...this.counters },
    };
  }

  async close(): Promise<void> {
    this.o.client.disconnect();
  }

  /** Every unit spent here stands for `replicas` units: the others are presumed to spend alike. */
  private async localBudget(key: string, c: BudgetCall): Promise<LimitDecision> {
    // A subject not seen before the outage starts from the usage it has on record.
    const spend = this.localSpend.get(key) ?? this.lastSpend.get(key) ?? (await c.seed().catch(() => 0));
    if (c.op === 'take' && spend >= c.limit) return { ok: false, used: spend, retryMs: 0, where: 'local' };
    remember(this.localSpend, key, spend + c.amount * this.o.replicas);
    const owed = this.owed.get(key);
    remember(this.owed, key, { call: c, amount: (owed?.amount ?? 0) + c.amount });
    return { ok: true, used: spend + c.amount * this.o.replicas, retryMs: 0, where: 'local' };
  }

  /** One script call, or null when the store is out of reach (then the caller decides locally). */
  private async run(s: LimitScript, key: string, args: (string | number)[]): Promise<(number | string)[] | null> {
    if (this.breakers.blockedFor(BREAKER_KEY, this.breaker) > 0) {
      this.counters.local_decisions++;
      return null;
    }
    try {
      const reply = await this.evalsha(s, key, args);
      this.breakers.success(BREAKER_KEY);
      this.counters.shared_decisions++;
      if (this.fallbackSince !== null) this.recovered();
      return reply;
    } catch (err) {
      const message = (err as Error).message;
      if (/timed out/i.test(message)) this.counters.timeouts++;
      else this.counters.errors++;
      this.breakers.failure(BREAKER_KEY, this.breaker);
      this.counters.local_decisions++;
      if (this.fallbackSince === null) {
        this.fallbackSince = this.o.clock();
        this.o.log.warn('shared limit store unreachable: enforcing this replica\'s share locally', { store: this.o.display, replicas: this.o.replicas, err: message });
      }
      this.fallbackReason = message;
      return null;
    }
  }

  private async evalsha(s: LimitScript, key: string, args: (string | number)[]): Promise<(number | string)[]> {
    try {
      return (await this.o.client.evalsha(s.sha, 1, key, ...args)) as (number | string)[];
    } catch (err) {
      if (!(err as Error).message.startsWith('NOSCRIPT')) throw err;
      // The server's script cache is empty (restarted, SCRIPT FLUSH): EVAL loads it again.
      this.counters.noscript_reloads++;
      return (await this.o.client.eval(s.source, 1, key, ...args)) as (number | string)[];
    }
  }

  /** Back from an outage: the local share is dropped, and what it spent is added to the store. */
  private recovered(): void {
    this.o.log.info('shared limit store reachable again', { store: this.o.display });
    this.fallbackSince = null;
    this.fallbackReason = null;
    this.localTat.clear();
    this.localSpend.clear();
    const owed = [...this.owed.values()];
    this.owed.clear();
    for (const { call, amount } of owed) void this.budget({ ...call, op: 'owed', amount, now: this.o.clock() });
  }
}

function budgetKey(c: Pick<BudgetCall, 'scope' | 'tier' | 'budget' | 'windowStart'>): string {
  return `gh:${subjectTag(c.scope)}:b:${c.tier}:${c.budget}:${c.windowStart}`;
}
