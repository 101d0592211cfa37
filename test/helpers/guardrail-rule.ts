import { GuardrailSchema, type Guardrail } from '../../local-gateway/policy/schema.js';

/** A guardrail rule as a policy bundle would give it, for building a check directly. */
export function rule(type: string, hook: Guardrail['hook'] = 'llm_input', fields: Partial<Guardrail> = {}): Guardrail {
  return GuardrailSchema.parse({ id: `${type}-rule`, type, hook, action: 'validate', ...fields });
}
