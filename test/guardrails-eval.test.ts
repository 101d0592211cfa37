import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate, loadEvalFile, precision, recall } from '../local-gateway/guardrails/evaluation.js';
import { Scanner, tierPlan } from '../local-gateway/guardrails/scanner.js';
import { resolveTier } from '../local-gateway/policy/schema.js';
import { loadPolicyFile } from '../local-gateway/policy/source.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const POLICY = join(root, 'test/fixtures/guardrails/deny-regex-policy.yaml');
const CASES = join(root, 'test/fixtures/guardrails/eval/deny_regex.jsonl');
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-eval-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('deny_regex on its evaluation cases', () => {
  it('meets precision and recall ≥ 0.95 with the policy the cases are written for', async () => {
    const plan = tierPlan(resolveTier(loadPolicyFile(POLICY), 'dev'));
    const r = await evaluate([loadEvalFile(CASES)], new Scanner(plan.rules));
    const t = r.byGuardrail.get('deny_regex')!;
    expect(t.tp + t.fn).toBe(12);
    expect(precision(t)).toBeGreaterThanOrEqual(0.95);
    expect(recall(t)).toBeGreaterThanOrEqual(0.95);
  });
});

describe('bench/guardrails-eval.ts', () => {
  it('prints the table for a held-out --file and lists its misses by case id with --verbose', () => {
    const file = join(dir, 'held-out.jsonl');
    const cases = [
      { id: 'ho-1', text: 'tail -f /var/log/app on web-7.corp.acme.internal', expect: [{ guardrail: 'deny_regex', type: 'internal_host', value: 'web-7.corp.acme.internal' }] },
      { id: 'ho-2', text: 'mirror at pkg.corp.acme.internal.example.org', expect: [] },
      { id: 'ho-3', text: 'ask about ProjectNightjar', expect: [{ guardrail: 'deny_regex', type: 'codename', value: 'ProjectNightjar' }] },
    ];
    writeFileSync(file, cases.map((c) => JSON.stringify(c)).join('\n'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/guardrails-eval.ts', '--policy', POLICY, '--tier', 'dev', '--file', file, '--verbose'], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('3 cases from 1 file(s)');
    expect(r.stdout).toMatch(/^deny_regex +1 +1 +1 +0\.500 +0\.500 +0\.500$/m);
    expect(r.stdout).toMatch(/^ {2}ho-2 +false positive +deny_regex\/internal_host +"pkg\.corp\.acme\.internal"$/m);
    expect(r.stdout).toMatch(/^ {2}ho-3 +missed +deny_regex\/codename +"ProjectNightjar"$/m);
  });
});
