import { resolveSecret } from './secrets.js';

/**
 * The values of an adapter's secret references that resolve now, for redaction. A reference
 * that does not resolve holds nothing to mask; the call that needs it reports it.
 */
export function heldSecrets(providerId: string, refs: readonly (string | undefined)[], env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  for (const ref of refs) {
    try {
      const value = resolveSecret(providerId, ref, env);
      if (value) values.push(value);
    } catch {
      // Missing: nothing to redact.
    }
  }
  return values;
}
