/**
 * The built-in guardrail types, by the `type` name a policy rule gives. This list is the
 * registry: a type is available to policies when, and only when, it is named here.
 */
import type { GuardrailType } from '../policy/engine/guardrails.js';
import { DENY_REGEX } from './deny-regex/index.js';
import { PII } from './pii/index.js';
import { PROMPT_INJECTION } from './prompt-injection/index.js';
import { AZURE_CONTENT_SAFETY, BEDROCK_GUARDRAIL, OPENAI_MODERATION } from './remote/index.js';
import { SECRETS } from './secrets/index.js';
import { SQL } from './sql/index.js';
import { TOOL_PERMISSIONS } from './tool-permissions/index.js';
import { TOPIC } from './topic/index.js';

let types: ReadonlyMap<string, GuardrailType<never>> | null = null;

/**
 * The registry. Built on first use, not at import: the type modules import the engine, which
 * imports this module, and a map built at import would read a type its module has not yet defined.
 */
export function builtinGuardrailTypes(): ReadonlyMap<string, GuardrailType<never>> {
  types ??= new Map(
    (
      [
        ['deny_regex', DENY_REGEX],
        ['openai_moderation', OPENAI_MODERATION],
        ['azure_content_safety', AZURE_CONTENT_SAFETY],
        ['bedrock_guardrail', BEDROCK_GUARDRAIL],
        ['pii', PII],
        ['secrets', SECRETS],
        ['prompt_injection', PROMPT_INJECTION],
        ['topic', TOPIC],
        ['tool_permissions', TOOL_PERMISSIONS],
        ['sql', SQL],
      ] as [string, GuardrailType<never>][]
    ),
  );
  return types;
}
