import { Redis } from 'ioredis';
import type { Logger } from '../core/log.js';
import { registerSecret } from '../core/redact.js';
import { openKeychain } from '../keychain/index.js';
import { displayUrl, type LimitStoreConfig } from './config.js';
import { RedisLimits } from './redis-store.js';
import { BUDGET, GCRA } from './scripts.js';

const SCRIPTS = [GCRA, BUDGET];

/** How long the start waits for Redis; unreachable, the gateway starts on its local share and says so. */
const CONNECT_TIMEOUT_MS = 2_000;

/**
 * Opens the shared limit store. The client never queues a command while disconnected (a
 * queue behind a dead server is how a gateway runs out of memory), every command has a
 * timeout, and it reconnects in the background, capped at 2 s between tries.
 */
export async function openRedisLimits(cfg: LimitStoreConfig, ctx: { env: NodeJS.ProcessEnv; clock: () => number; log: Logger }): Promise<RedisLimits> {
  const password = cfg.password === undefined ? undefined : await readPassword(cfg.password, ctx.env);
  const client = new Redis(cfg.url, {
    password,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: cfg.timeout_ms,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
    connectionName: 'gatehouse-limits',
  });
  // Errors surface in the decisions (and the status); an 'error' event with no listener would crash.
  client.on('error', () => {});
  // Each (re)connect loads the scripts, so a decision is one EVALSHA; EVAL still covers a SCRIPT FLUSH.
  client.on('ready', () => void Promise.all(SCRIPTS.map((s) => client.script('LOAD', s.source))).catch(() => {}));
  const display = displayUrl(cfg.url);
  await client.connect().catch((err: unknown) => ctx.log.warn('shared limit store unreachable at start: enforcing this replica\'s share locally until it answers', { store: display, err: (err as Error).message }));
  return new RedisLimits({ client, display, replicas: cfg.replicas, clock: ctx.clock, log: ctx.log });
}

/** The password reference's value, registered as a secret so logs redact it; missing, the start fails saying where it was looked for. */
async function readPassword(ref: string, env: NodeJS.ProcessEnv): Promise<string> {
  const name = ref.slice(ref.indexOf(':') + 1);
  const value = ref.startsWith('env:') ? env[name] : await openKeychain(env).get(name);
  if (!value) {
    throw new Error(ref.startsWith('env:')
      ? `limits.store.password is read from ${name}, which is not set: export it, or name another variable.`
      : `limits.store.password is read from the OS keychain entry ${name}, which is empty: set it with \`gatehouse keys set ${name}\`.`);
  }
  registerSecret(value);
  return value;
}
