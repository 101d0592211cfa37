import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/gateway.js';
import { createLogger } from '../core/log.js';
import type { ActivePolicy, PolicySource } from './source.js';
import { watchPolicyFile } from './watch.js';

const bundle = (version: number, extra = '') => `apiVersion: gatehouse/v1
org: acme
version: ${version}
tiers:
  dev: {}
  prod:
    extends: dev
    metadata: { required: [ticket_id] }${extra}
`;

const open: { source: PolicySource; dir: string }[] = [];
afterEach(() => {
  for (const { source, dir } of open.splice(0)) {
    source.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function setup(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-watch-'));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, text);
  const logged: string[] = [];
  const log = createLogger('warn', [], (line) => logged.push(line) > 0);
  const source = watchPolicyFile(file, ['dev', 'prod'], { log, debounceMs: 20 });
  open.push({ source, dir });
  const changes: ActivePolicy[] = [];
  source.onChange((p) => changes.push(p));
  return { dir, file, source, logged, changes };
}

describe('watched policy file', () => {
  it('applies a good edit as one new policy and tells the listeners', async () => {
    const { file, source, changes } = setup(bundle(1));
    const before = source.current();
    expect(before.tiers.get('prod')!.metadata.required).toEqual(['ticket_id']);
    writeFileSync(file, bundle(2).replace('[ticket_id]', '[ticket_id, team]'));
    await waitFor(() => source.current().bundle?.version === 2, 'version 2 to apply');
    expect(source.current().tiers.get('prod')!.metadata.required).toEqual(['ticket_id', 'team']);
    // The old object is untouched: a request that read it mid-change keeps one consistent policy.
    expect(before.bundle!.version).toBe(1);
    expect(changes.map((c) => c.bundle!.version)).toEqual([2]);
    expect(source.lastError!()).toBeNull();
  });

  it('refuses a bad edit with file:line: field, keeps the last good policy, and clears the error on the next good edit', async () => {
    const { file, source, logged, changes } = setup(bundle(1));
    writeFileSync(file, bundle(2, '\n    rate_limits:\n      - { id: r, limit: { requests: 5, per: 1 hour } }'));
    const err = await waitFor(() => source.lastError!(), 'the bad edit to be refused');
    expect(err.message).toBe(`${file}:10: tiers.prod.rate_limits[0].limit.per: use a window such as 30s, 15m, 1h, 7d, or minute, hour, day, week, month`);
    expect(source.current().bundle!.version).toBe(1);
    expect(changes).toEqual([]);
    expect(logged.join('')).toContain('policy change refused; the last good policy stays in force');
    // The same problem one by one, for the dashboard's list.
    expect(err.problems).toEqual([{ file, line: 10, path: 'tiers.prod.rate_limits[0].limit.per', message: 'use a window such as 30s, 15m, 1h, 7d, or minute, hour, day, week, month' }]);

    writeFileSync(file, bundle(3));
    await waitFor(() => source.current().bundle?.version === 3, 'version 3 to apply');
    expect(source.lastError!()).toBeNull();
  });

  it('tells its error listeners of a refusal and of a revert to the text in force, which clears it', async () => {
    const { file, source } = setup(bundle(1));
    const seen: (string | null)[] = [];
    source.onLastError!((e) => seen.push(e === null ? null : e.message));
    writeFileSync(file, bundle(2, '\n    bogus: 1'));
    await waitFor(() => seen.length === 1, 'the refusal');
    writeFileSync(file, bundle(1));
    await waitFor(() => seen.length === 2, 'the revert');
    expect(seen[0]).toContain('bogus');
    expect(seen[1]).toBeNull();
    expect(source.lastError!()).toBeNull();
  });

  it('refuses an edit that drops a tier the gateway evaluates', async () => {
    const { file, source } = setup(bundle(1));
    writeFileSync(file, 'apiVersion: gatehouse/v1\norg: acme\nversion: 2\ntiers:\n  dev: {}\n');
    const err = await waitFor(() => source.lastError!(), 'the edit to be refused');
    expect(err.message).toBe(`${file} has no tier "prod" (it has dev): name existing tiers under tiers: in the config, or add them to the policy.`);
    expect(source.current().bundle!.version).toBe(1);
  });

  it('follows an editor that saves by renaming a new file over the old one', async () => {
    const { dir, file, source } = setup(bundle(1));
    for (const version of [2, 3]) {
      const tmp = join(dir, `.policy.yaml.swp${version}`);
      writeFileSync(tmp, bundle(version));
      renameSync(tmp, file);
      await waitFor(() => source.current().bundle?.version === version, `version ${version} to apply`);
    }
  });

  it('refuses to start on a bad file, naming the line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-watch-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, bundle(1).replace('org: acme', 'org: acme\nowner: me'));
    const log = createLogger(false);
    expect(() => watchPolicyFile(file, ['dev'], { log })).toThrow(`${file}:3: owner: unknown key "owner"`);
    rmSync(dir, { recursive: true, force: true });
  });
});
