import { z } from 'zod';

/**
 * A secret is referenced, never written: `keychain:NAME` reads the OS keychain entry NAME
 * (set with `gatehouse keys set NAME`), `env:NAME` the environment. A literal key in a config
 * file would end up in backups and screenshots. Providers, remote guardrails, MCP servers and
 * the telemetry exporter all take their credentials this way.
 */
export const SecretRefSchema = z
  .string()
  .regex(
    /^(env:[A-Za-z_][A-Za-z0-9_]*|keychain:[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$/,
    'must reference a secret as env:NAME or keychain:NAME (a literal key never belongs in a config file)',
  );

/** Whether a value is meant as a secret reference (well formed or not), rather than a literal. */
export function isSecretRef(value: string): boolean {
  return /^(env|keychain):/.test(value);
}

/** An http(s) URL field whose error shows an example. */
export const httpUrl = (example: string) => z.url({ protocol: /^https?$/, error: `must be an http(s) URL such as ${example}` });
