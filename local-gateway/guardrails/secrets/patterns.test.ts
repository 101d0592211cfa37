import { describe, expect, it } from 'vitest';
import { check } from 'recheck';
import { CHECK_PATTERNS } from './checks.js';
import { GENERIC_PATTERNS } from './generic.js';
import { HEURISTIC_PATTERNS } from './heuristics.js';
import { SecretsConfig, secretsScanner } from './index.js';
import { PATTERNS, RULES } from './rules.js';
import { anchorPattern, SCAN_PATTERNS } from './scan.js';

/**
 * Every built-in regex of the secrets guardrail is linear-time: recheck proves the absence of
 * catastrophic (exponential or polynomial) backtracking, and adversarial inputs made of the
 * characters the patterns repeat run to completion.
 */
const keywords = [...new Set(RULES.flatMap((r) => r.keywords.map((k) => k.toLowerCase())))];
const ALL = [...PATTERNS, ...SCAN_PATTERNS, ...CHECK_PATTERNS, ...GENERIC_PATTERNS, ...HEURISTIC_PATTERNS, anchorPattern(keywords)];

describe('secrets patterns are linear-time', () => {
  it.each(ALL.map((re) => [re.source.slice(0, 60), re] as const))('recheck: %s', async (_label, re) => {
    // Flag d only adds match indices; recheck does not know it.
    // The machine is shared with the whole suite: recheck gets time enough to finish its proof.
    const result = await check(re.source, re.flags.replace('d', ''), { timeout: 90_000, attackTimeout: null });
    const why = result.status === 'vulnerable' ? result.complexity.summary : result.status === 'unknown' ? JSON.stringify(result.error) : '';
    expect(result.status, `${re.source}: ${why}`).toBe('safe');
  }, 120_000);

  const scan = secretsScanner(SecretsConfig.parse({}));
  const N = 200_000;
  it.each([
    ['word characters', 'a'.repeat(N)],
    ['base64 run with anchors inside', ('eyJ' + 'A'.repeat(7) + '.').repeat(N / 11)],
    ['repeated key prefixes', 'sk-'.repeat(N / 3)],
    ['repeated token prefixes', 'ghp_'.repeat(N / 4)],
    ['keywords without values', 'password='.repeat(N / 9)],
    ['keywords in one long name', 'secret_'.repeat(N / 7)],
    ['PEM headers without an end', '-----BEGIN PRIVATE KEY-----\n'.repeat(N / 28)],
    ['PEM header then long base64', '-----BEGIN PRIVATE KEY-----\n' + 'A'.repeat(N)],
    ['URL userinfo without a host', 'x://a:' + 'b'.repeat(N)],
    ['connection-string keys', 'AccountKey='.repeat(N / 11)],
    ['separators', '-_.'.repeat(N / 3)],
    ['Q~ everywhere', 'abc1Q~'.repeat(N / 6)],
    ['redis-cli then many arguments', 'redis-cli ' + 'x '.repeat(N / 2)],
    ['repeated password flags', '--password='.repeat(N / 11)],
    ['Terraform variable headers without an end', 'variable "db_password" {\n  default = "'.repeat(N / 36)],
    ['repeated short tokens prefixes', 'hf_dckr_pat_pypi-AgE'.repeat(N / 20)],
  ])('completes on %s', (_name, text) => {
    // Any finding is fine; the point is that the scan returns.
    expect(Array.isArray(scan(text))).toBe(true);
  });
});
