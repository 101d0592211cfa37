import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-policy-regex-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const POLICY = `apiVersion: gatehouse/v1
org: acme
tiers:
  dev:
    guardrails:
      - id: words
        type: deny_regex
        hook: llm_input
        action: validate
        config:
          patterns:
            - "secret-[0-9]+"
            - "(a)\\\\1"
      - id: topics
        type: topic
        hook: llm_input
        action: validate
        config:
          topics:
            - name: legal
              keywords: [lawsuit]
              patterns:
                - "(?<=file )claim"
`;

describe('gatehouse policy check on patterns RE2 cannot run', () => {
  it('exits 1 naming each bad pattern at its own line', () => {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, POLICY);
    const r = runCli(['policy', 'check', file]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe(`${file}: 2 problems:`);
    expect(lines[1]).toMatch(new RegExp(`^${file}:13: tiers\\.dev\\.guardrails\\[0\\]\\.config\\.patterns\\[1\\]: guardrail words: pattern .* is not a valid RE2 expression`));
    expect(lines[2]).toMatch(new RegExp(`^${file}:23: tiers\\.dev\\.guardrails\\[1\\]\\.config\\.topics\\[0\\]\\.patterns\\[0\\]: guardrail topics: topic legal pattern .* is not a valid RE2 expression`));
  });
});
