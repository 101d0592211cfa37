/**
 * The official MCP conformance suite (`@modelcontextprotocol/conformance`, server scenarios of
 * the requirement set of each protocol revision) against `/mcp`, fronting the stand-in
 * upstreams. Every check must pass except those listed, with why, in
 * scripts/mcp-conformance/expected-failures.yaml; a listed one that passes now fails too, so
 * the list stays true. The per-scenario results are printed (and kept under the temp dir).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge, loadExpected, REVISIONS, runSuite, summary } from '../scripts/mcp-conformance/suite.js';
import { startConformanceTarget, type ConformanceTarget } from '../scripts/mcp-conformance/target.js';

describe('MCP conformance suite against /mcp', () => {
  let target: ConformanceTarget;
  let out: string;
  const expected = loadExpected();
  beforeAll(async () => {
    target = await startConformanceTarget();
    out = mkdtempSync(join(tmpdir(), 'gatehouse-conformance-results-'));
  });
  afterAll(async () => {
    await target.close();
    rmSync(out, { recursive: true, force: true });
  });

  for (const revision of REVISIONS) {
    it(`${revision}: every check passes but the known failures, and each known failure still fails`, async () => {
      const dir = join(out, revision);
      mkdirSync(dir);
      const { results } = await runSuite(target.url, revision, dir);
      console.log(`MCP conformance ${revision}:\n${summary(results)}`);
      const { regressions, stale } = judge(results, expected[revision] ?? {});
      expect(regressions, 'failing checks that scripts/mcp-conformance/expected-failures.yaml does not list').toEqual([]);
      expect(stale, 'entries of scripts/mcp-conformance/expected-failures.yaml that no longer fail').toEqual([]);
    }, 120_000);
  }
});
