/**
 * Guardrails that ask a remote service: OpenAI moderation, Azure AI Content Safety and AWS
 * Bedrock guardrails. The shared plumbing (one call per request where the API batches, a
 * per-call timeout, results remembered per text) is in `check.ts` and `call.ts`; what the
 * gateway hands them (environment, providers, connection pools) in `runtime.ts`.
 */
export { AZURE_CONTENT_SAFETY } from './azure-content-safety.js';
export { BEDROCK_GUARDRAIL } from './bedrock-guardrail.js';
export { OPENAI_MODERATION } from './openai-moderation.js';
export { closeGuardrailPools, createGuardrailRuntime, setGuardrailRuntime, standaloneGuardrailRuntime, type GuardrailRuntime } from './runtime.js';
