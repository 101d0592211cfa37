/**
 * The policy the bench runs Gatehouse with: a permissive dev tier and a prod tier of
 * realistic size (10 rate limits, 5 budgets, 6 guardrails) evaluated in shadow on every
 * request. Limits are far above what the bench sends, so nothing is refused: the figures
 * are the cost of evaluating the policy, not of refusing.
 */
const surfaces = ['ide-agent', 'cli', 'ci', 'notebook', 'script'];

function rateLimits(tier: string, n: number, mode: string): string[] {
  return Array.from({ length: n }, (_, i) => {
    const last = i === n - 1;
    const when = last ? '' : ` when: { metadata: { surface: ${surfaces[i % surfaces.length]}-${i} } },`;
    const limit = i % 2 === 0 ? 'requests: 100000000' : 'tokens: 1000000000000';
    return `      - { id: ${tier}-rl-${i},${when} scope: [user${i % 3 === 0 ? ', model' : ''}], limit: { ${limit}, per: ${i % 2 === 0 ? '1m' : 'hour'} }, mode: ${mode} }`;
  });
}

function budgets(tier: string, n: number, mode: string): string[] {
  const scopes = ['user', 'team', 'metadata.team', 'model', 'metadata.project'];
  return Array.from({ length: n }, (_, i) => `      - { id: ${tier}-budget-${i}, scope: [${scopes[i % scopes.length]}], limit: { usd: 1000000000, per: ${i % 2 === 0 ? 'month' : 'day'} }, mode: ${mode} }`);
}

const GUARDRAILS = [
  ['email', 'llm_input', 'validate', '[a-z0-9._%+-]+@[a-z0-9-]+\\\\.[a-z]{2,}'],
  ['card', 'llm_input', 'validate', '\\\\b(?:\\\\d[ -]?){13,16}\\\\b'],
  ['aws-key', 'llm_input', 'mutate', 'AKIA[0-9A-Z]{16}'],
  ['openai-key', 'llm_input', 'mutate', 'sk-[A-Za-z0-9]{32,}'],
  ['injection', 'llm_input', 'validate', 'ignore (all )?previous instructions'],
  ['secrets-out', 'llm_output', 'validate', '-----BEGIN [A-Z ]*PRIVATE KEY-----'],
] as const;

function guardrails(mode: string, n: number = GUARDRAILS.length): string[] {
  return GUARDRAILS.slice(0, n).map(
    ([id, hook, action, pattern]) => `      - { id: ${id}, type: deny_regex, hook: ${hook}, action: ${action}, mode: ${mode}, config: { patterns: ["${pattern}"], label: ${id} } }`,
  );
}

export function benchPolicy(): string {
  return [
    'apiVersion: gatehouse/v1',
    'org: bench',
    'tiers:',
    '  dev:',
    '    rate_limits:',
    ...rateLimits('dev', 3, 'enforce'),
    '    budgets:',
    ...budgets('dev', 1, 'audit'),
    '    guardrails:',
    ...guardrails('audit', 2),
    '  prod:',
    '    metadata: { required: [team] }',
    '    models: { allow: ["standin/*", "openai/*"], deny: ["*-preview"] }',
    '    rate_limits:',
    ...rateLimits('prod', 10, 'enforce'),
    '    budgets:',
    ...budgets('prod', 5, 'enforce'),
    '    guardrails:',
    ...guardrails('enforce'),
    '',
  ].join('\n');
}
