import type { z } from 'zod';
import { GatehouseError } from './errors.js';

/**
 * Checks a provider's 200 answer against the schema of the fields the gateway reads (usage,
 * the parts it translates, the texts guardrails see). An answer of another shape would reach
 * the client as a success it cannot use, and be traced as one; it is a bad upstream answer.
 * Only validates: the caller keeps the value as parsed (zod's output is a copy).
 */
export function checkAnswer(schema: z.ZodType, value: unknown, providerId: string, what: string): void {
  const result = schema.safeParse(value);
  if (result.success) return;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? issue.path.join('.') : '(body)';
  throw new GatehouseError(
    'GH_ERR_UPSTREAM_BAD_RESPONSE',
    `Provider "${providerId}" answered with a body that is not a ${what} answer (${where}: ${issue.message}): check its base_url and kind in gatehouse.yaml, or report it with the trace id.`,
  );
}

