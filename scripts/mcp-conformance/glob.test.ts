import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const preload = join(import.meta.dirname, 'node20-glob.mjs');
const root = mkdtempSync(join(tmpdir(), 'gatehouse-glob-'));
for (const d of ['a/b', '.hidden', 'c']) mkdirSync(join(root, d), { recursive: true });
for (const f of ['checks.json', 'a/checks.json', 'a/b/checks.json', '.hidden/checks.json', 'c/other.txt']) writeFileSync(join(root, f), '[]');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** `import { globSync } from 'fs'` in a child with the preload, the way the conformance suite imports it. */
function globInChild(pattern: string): string[] {
  const code = `import { globSync, readFileSync } from 'fs'; if (typeof readFileSync !== 'function') process.exit(3); console.log(JSON.stringify(globSync(${JSON.stringify(pattern)}, { cwd: ${JSON.stringify(root)} })));`;
  const out = execFileSync(process.execPath, ['--import', preload, '--input-type=module', '-e', code], { encoding: 'utf8' });
  return (JSON.parse(out) as string[]).sort();
}

describe("fs.globSync for the conformance suite's process (native on Node 22+, the shim on Node 20)", () => {
  it('finds every checks.json under cwd, relative to it, leaving out dot folders', () => {
    expect(globInChild('**/checks.json')).toEqual(['a/b/checks.json', 'a/checks.json', 'checks.json']);
  });

  it('matches folders as well as files, without a trailing slash, and does not expand a folder into its contents', () => {
    expect(globInChild('*')).toEqual(['a', 'c', 'checks.json']);
    expect(globInChild('c')).toEqual(['c']);
  });
});
