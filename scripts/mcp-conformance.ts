/**
 * Runs the official MCP conformance suite's server scenarios against `/mcp` (a gateway in this
 * process fronting the stand-in MCP servers), for each protocol revision, prints how each
 * scenario did and what differs from the list of known failures (scripts/mcp-conformance/
 * expected-failures.yaml). test/mcp-conformance.test.ts runs the same in CI.
 *
 *   npx tsx scripts/mcp-conformance.ts [--revision 2025-11-25|2026-07-28] [--scenario NAME] [--out DIR]
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { judge, loadExpected, REVISIONS, runSuite, summary, type Revision } from './mcp-conformance/suite.js';
import { startConformanceTarget } from './mcp-conformance/target.js';

const arg = (name: string) => process.argv.flatMap((a, i) => (a === name ? [process.argv[i + 1]!] : []));
const asked = arg('--revision');
const bad = asked.find((r) => !(REVISIONS as readonly string[]).includes(r));
if (bad) {
  console.error(`Unknown revision ${bad}: pass one of ${REVISIONS.join(', ')}.`);
  process.exit(2);
}
const revisions = asked.length > 0 ? (asked as Revision[]) : [...REVISIONS];
const scenario = arg('--scenario')[0];
const out = arg('--out')[0] ?? mkdtempSync(join(tmpdir(), 'gatehouse-conformance-results-'));
const expected = loadExpected();

const target = await startConformanceTarget();
let differs = false;
try {
  for (const revision of revisions) {
    const dir = join(out, revision);
    mkdirSync(dir, { recursive: true });
    const { results } = await runSuite(target.url, revision, dir, scenario ? { scenario } : {});
    console.log(`\n${revision} (results in ${dir}):\n${summary(results)}`);
    const known = expected[revision] ?? {};
    // A single scenario is judged only against its own entries.
    const { regressions, stale } = judge(results, scenario ? Object.fromEntries(Object.entries(known).filter(([k]) => k.split(':')[0] === scenario)) : known);
    for (const r of regressions) console.log(`  not in the list of known failures: ${r}`);
    for (const s of stale) console.log(`  stale entry: ${s}`);
    differs ||= regressions.length + stale.length > 0;
  }
} finally {
  await target.close();
}
process.exit(differs ? 1 : 0);
