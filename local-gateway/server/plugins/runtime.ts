import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/schema.js';
import { homePaths, type HomePaths, type LocalToken } from '../../core/home.js';
import { createLogger, type Logger } from '../../core/log.js';
import { knownSecrets, registerSecret } from '../../core/redact.js';
import { openKeychain, type Keychain } from '../../keychain/index.js';
import type { GatewayOptions } from '../options.js';

/** What every service is built from: the options the gateway started with, its home, its log. */
export interface GatewayRuntime {
  config: Config;
  configFile: string | null;
  home: string;
  paths: HomePaths;
  token: string;
  tokenSource: LocalToken['source'];
  /** The environment `env:` key references are read from. */
  env: NodeJS.ProcessEnv;
  keychain: Keychain;
  /** Values masked wherever they would be stored or logged. */
  secrets: readonly string[];
  log: Logger;
  startedAt: number;
  /** See GatewayOptions; `Date.now` unless a test injects one. */
  clock: () => number;
  /** See GatewayOptions. */
  authenticate: GatewayOptions['authenticate'] | null;
  allowedHosts: ReadonlySet<string>;
}

declare module 'fastify' {
  interface FastifyInstance {
    runtime: GatewayRuntime;
  }
}

/** The first tier: nothing to open and nothing to close, only what the others read. */
async function runtime(app: FastifyInstance, opts: GatewayOptions): Promise<void> {
  const env = opts.env ?? process.env;
  registerSecret(opts.token.value);
  // The live list: provider keys, keychain keys and the PAT join it when they are first read.
  const secrets = knownSecrets();
  app.decorate('runtime', {
    config: opts.config,
    configFile: opts.configFile,
    home: opts.home,
    paths: homePaths(opts.home),
    token: opts.token.value,
    tokenSource: opts.token.source,
    env,
    keychain: openKeychain(env),
    secrets,
    log: createLogger(opts.logging ?? false, secrets),
    startedAt: Date.now(),
    clock: opts.clock ?? Date.now,
    authenticate: opts.authenticate ?? null,
    allowedHosts: new Set((opts.allowedHosts ?? []).map((h) => h.toLowerCase())),
  } satisfies GatewayRuntime);
}

export const runtimePlugin = fp(runtime, { name: 'gatehouse-runtime' });
