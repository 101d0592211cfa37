/**
 * Anthropic thinking budgets for an OpenAI reasoning effort, one table for every translation
 * into the Messages API, so `medium` asks for the same thinking through chat completions as
 * through the Responses API. Chat's `reasoning_effort` and Responses' `reasoning.effort` share
 * the names; `minimal` and `xhigh` only Responses sends today.
 */
export const THINKING_BUDGET: Readonly<Record<string, number>> = { minimal: 1024, low: 2048, medium: 8192, high: 16384, xhigh: 32000 };

/** The budget for an effort, or undefined for none or one the table does not know. */
export function thinkingBudget(effort: unknown): number | undefined {
  return typeof effort === 'string' && Object.hasOwn(THINKING_BUDGET, effort) ? THINKING_BUDGET[effort] : undefined;
}
