import { z } from 'zod';
import { SecretRefSchema } from '../core/secret-ref.js';

/**
 * `limits.store`: where the enforced tier's rate limits and budgets are counted. Absent, in
 * process (each gateway counts its own). A Redis URL makes every gateway that names it share
 * one count: several replicas behind a load balancer then never multiply a limit.
 */
export const LimitStoreSchema = z.strictObject({
  url: z
    .string()
    .regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// (or rediss:// for TLS) URL such as redis://10.0.0.7:6379/0')
    .refine((u) => !/^rediss?:\/\/[^/@]*:[^/@]+@/.test(u), 'holds a password: put it in `password` as env:NAME or keychain:NAME')
    .describe('The Redis server, e.g. `redis://10.0.0.7:6379/0` (`rediss://` for TLS); never a password in it.'),
  password: SecretRefSchema.optional().describe('Its password as `env:NAME` or `keychain:NAME`.'),
  replicas: z.number().int().min(1).max(10_000).default(1).describe('How many gateways share the store: while it is out of reach each one enforces 1/replicas of every limit on its own.'),
  timeout_ms: z.number().int().min(1).max(10_000).default(50).describe('How long one limit decision may wait for Redis (ms); past it this gateway decides on its own share.'),
});
export type LimitStoreConfig = z.infer<typeof LimitStoreSchema>;

/** The URL as it may be printed and logged (no user info). */
export function displayUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)[^/@]*@/, '$1');
}
