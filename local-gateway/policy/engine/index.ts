/** The policy engine: pure stage functions over a tier, a request's facts and the tier's counters. */
export { evaluateRequest, PRE_STAGES, blocks, type EvaluateOptions, type Role } from './evaluate.js';
export { evaluateContentFetch, evaluateToolCall, TOOL_STAGES, type ToolCallRecord } from './evaluate-tool.js';
export { estimateTokens, isModelCall, maxOutputOf, tokensOf, type RequestFacts } from './facts.js';
export { contentFetchFromTrace, factsFromSummary, factsFromTrace, toolCallFromTrace } from './trace-facts.js';
export { Placeholders, PLACEHOLDER, restoreJson, restoreText } from './placeholders.js';
export { createGuardrailCheck, guardrailConfigErrors, isRemoteGuardrail, registerGuardrailType, runGuardrails, type GuardrailCheck, type GuardrailFinding, type GuardrailType } from './guardrails.js';
export { budgetStage, chargeBudgets } from './budgets.js';
export { countRateLimit, matchingRateLimit, rateLimitStage, settleTokens } from './rate-limits.js';
export { TierState } from './state.js';
export { keepKinds, requestTexts, responseTexts, slotTexts, streamText, textKinds, type TextKind, type TextSlot } from '../../contracts/texts.js';
export { windowOf } from './window.js';
