/**
 * The built-in guardrail types. Each module registers its type with the policy engine's
 * guardrail registry (`policy/engine/guardrails.ts`) when imported; importing this module
 * makes every type available to policies.
 */
import './deny-regex/index.js';
import './remote/index.js';
import './pii/index.js';
import './secrets/index.js';
import './prompt-injection/index.js';
import './topic/index.js';
