import { dirname, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/schema.js';
import type { Logger } from '../../core/log.js';
import { createGuardrailRuntime } from '../../guardrails/remote/index.js';
import { createPolicyEngine, type PolicyEngine } from '../../pipeline/tier-runs.js';
import { restoreLimits } from '../../pipeline/restore-limits.js';
import { restoreSpend } from '../../pipeline/restore-spend.js';
import { createPriceBook } from '../../policy/engine/prices.js';
import { staticPolicy, type PolicySource } from '../../policy/source.js';
import { watchPolicyFile } from '../../policy/watch.js';
import { createOrgPolicySource, type OrgPolicySource } from '../../../sync/device/index.js';
import { readEnrollment } from '../../../sync/device/state.js';
import type { GatewayOptions } from '../options.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The policy in force, its tiers' counters and the routing breakers. */
    policy: PolicyEngine;
    /** The policy source behind `policy`: the org's verified bundle once enrolled, else the local file. */
    orgPolicy: OrgPolicySource;
  }
}

/**
 * The policy engine, with its counters rebuilt from the stored traces. Closing the app stops
 * watching the policy file and closes the remote guardrails' pools.
 */
async function policy(app: FastifyInstance, opts: GatewayOptions): Promise<void> {
  const { config, configFile, env, log, paths } = app.runtime;
  const { traces } = app.store;
  // Remote guardrails resolve their keys here and may borrow a provider's endpoint and key;
  // their pools are this gateway's, closed with it.
  const guardrails = createGuardrailRuntime({ env, providers: config.providers });
  const names = [config.tiers.active, ...config.tiers.shadow];
  // Once enrolled, the org's verified bundle is in force over the local `policy:` file.
  const orgPolicy = createOrgPolicySource({
    paths,
    fallback: opts.policy?.source ?? localPolicy(config, configFile, names, log),
    tiers: names,
    enrollment: readEnrollment(paths.enrollment),
    log,
    clock: opts.sync?.clock,
  });
  // Loaded only when configured, so a laptop's gateway never carries ioredis.
  const store = config.limits.store;
  const shared = store ? await (await import('../../limits/open.js')).openRedisLimits(store, { env, clock: opts.policy?.clock ?? app.runtime.clock, log }) : null;
  const engine = createPolicyEngine({
    source: orgPolicy,
    tiers: config.tiers,
    prices: createPriceBook(config.prices),
    guardrails,
    shared,
    spend: opts.limits?.spend ?? null,
    clock: opts.policy?.clock ?? app.runtime.clock,
    random: opts.policy?.random,
    sleep: opts.policy?.sleep,
  });
  app.decorate('policy', engine);
  app.decorate('orgPolicy', orgPolicy);
  app.addHook('onClose', async () => {
    engine.source.close();
    await guardrails.close();
    await shared?.close();
  });
  // Budgets are per period: spend so far this period is rebuilt from the stored traces.
  await restoreSpend(engine, traces, app.providers);
  // So are rate limits: a restart must not open a fresh window (nor forget what a shadow tier counted).
  restoreLimits(engine, traces);
}

/**
 * The config's `policy:` file (relative to the config file), watched: a good edit applies, a
 * bad one is refused and the last good one stays. Without one, the built-in permissive tier.
 */
function localPolicy(config: Config, configFile: string | null, tiers: string[], log: Logger): PolicySource {
  if (config.policy === undefined) return staticPolicy(null, tiers);
  const file = resolve(configFile ? dirname(configFile) : process.cwd(), config.policy);
  return watchPolicyFile(file, tiers, { log });
}

export const policyPlugin = fp(policy, { name: 'gatehouse-policy', dependencies: ['gatehouse-runtime', 'gatehouse-providers', 'gatehouse-store'] });
