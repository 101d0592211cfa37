/**
 * Guardrails that ask a remote service: OpenAI moderation, Azure AI Content Safety and AWS
 * Bedrock guardrails. The shared plumbing (one call per request where the API batches, a
 * per-call timeout, results remembered per text) is in `check.ts` and `call.ts`; what the
 * gateway hands them (environment, providers, connection pools) in `runtime.ts`.
 */
import './openai-moderation.js';
import './azure-content-safety.js';
import './bedrock-guardrail.js';

export { closeGuardrailPools, setGuardrailRuntime, type GuardrailRuntime } from './runtime.js';
