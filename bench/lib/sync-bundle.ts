/** How often the bench's enrolled device polls for a new policy: the bundle says so. */
export const POLL_INTERVAL_S = 10;

/** A small org bundle for the sync bench; `mark` makes each publish a different text. */
export function benchBundle(mark: string): string {
  return `apiVersion: gatehouse/v1
org: bench
tiers:
  dev:
    sync: { interval_seconds: ${POLL_INTERVAL_S} }
    metadata: { required: [] }
    guardrails:
      - { id: mark-${mark}, type: deny_regex, hook: llm_input, action: validate, mode: audit, config: { patterns: ["never-${mark}"] } }
  prod: { extends: dev }
`;
}
