import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BenignSourcesError, packageOf, readSources, selectSources, verifySources, writeSources } from './sources.js';

// Prose long enough for the walk (over 200 bytes), different per file so hashes differ.
const prose = (tag: string) => `${tag}: this package parses configuration files and reports what it could not read.\n`.repeat(4);

let root: string;
const put = (path: string, text: string) => {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gatehouse-sources-'));
  put(
    'package-lock.json',
    JSON.stringify({
      packages: {
        '': { name: 'app' },
        'node_modules/plain': { version: '1.0.0' },
        'node_modules/@scope/lib': { version: '1.0.0' },
        'node_modules/plain/node_modules/nested': { version: '2.0.0' },
        'node_modules/native': { version: '1.0.0', hasInstallScript: true },
        'node_modules/native-linux-x64': { version: '1.0.0', optional: true, os: ['linux'], cpu: ['x64'] },
      },
    }),
  );
  put('node_modules/plain/README.md', prose('plain readme'));
  put('node_modules/plain/lib/index.js', prose('plain index'));
  put('node_modules/@scope/lib/CHANGELOG.md', prose('scope changelog'));
  put('node_modules/plain/node_modules/nested/README.md', prose('nested readme'));
  put('node_modules/native/README.md', prose('native readme'));
  put('node_modules/native/bin/tool.js', prose('native bin placeholder'));
  put('node_modules/native/placeholder', prose('native extensionless placeholder'));
  put('node_modules/native/build/config.gypi', prose('native gyp config'));
  put('node_modules/native/build/Release/obj/native.c', prose('native built source'));
  put('node_modules/native/prebuilds/linux-x64/notes.txt', prose('native prebuild'));
  put('node_modules/native/config.gypi', prose('native top-level gyp config'));
  put('node_modules/native-linux-x64/README.md', prose('platform readme'));
  put('node_modules/stray/README.md', prose('stray readme'));
  put('node_modules/.package-lock.json', prose('npm own lockfile copy'));
  put('node_modules/.vite/results.json', prose('vitest results'));
  put('node_modules/plain/binary.txt', `${prose('binary')}\u0000`);
  mkdirSync(join(root, 'node_modules/.bin'));
  symlinkSync('../plain/lib/index.js', join(root, 'node_modules/.bin/plain'));
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('benign sources', () => {
  it('lists only the text files of the lockfile’s non-optional packages, without build outputs or what an install script may overwrite', () => {
    expect(selectSources(root, 100).map((s) => s.path)).toEqual([
      '@scope/lib/CHANGELOG.md',
      'native/README.md',
      'plain/README.md',
      'plain/lib/index.js',
      'plain/node_modules/nested/README.md',
    ]);
  });

  it('keeps at most the budget, the same files for the same tree', () => {
    const two = selectSources(root, 2);
    expect(two).toHaveLength(2);
    expect(selectSources(root, 2)).toEqual(two);
  });

  it('finds the package a file belongs to, and none for npm’s own files', () => {
    expect(packageOf('node_modules/plain/node_modules/nested/lib/a.js')).toBe('node_modules/plain/node_modules/nested');
    expect(packageOf('node_modules/@scope/lib/a.js')).toBe('node_modules/@scope/lib');
    expect(packageOf('node_modules/.package-lock.json')).toBeNull();
    expect(packageOf('node_modules/plain/node_modules/.cache/x.json')).toBeNull();
  });

  it('reads back what it wrote, and passes a tree that matches', () => {
    const file = join(root, 'sources.txt.gz');
    const sources = selectSources(root, 100);
    writeSources(file, sources);
    expect(readSources(file)).toEqual(sources);
    expect(() => verifySources(root, sources)).not.toThrow();
  });

  it('stops on missing and changed files, saying how many, which, and how to regenerate the list', () => {
    const sources = selectSources(root, 100);
    rmSync(join(root, 'node_modules/plain/README.md'));
    put('node_modules/@scope/lib/CHANGELOG.md', prose('scope changelog, a newer release'));
    let caught: unknown;
    try {
      verifySources(root, sources);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BenignSourcesError);
    const message = (caught as Error).message;
    expect(message).toContain('2 of the 5 benign source files');
    expect(message).toContain('@scope/lib/CHANGELOG.md (content differs)');
    expect(message).toContain('plain/README.md (missing)');
    expect(message).toContain('npm run train:injection -- --write-sources');
  });

  it('refuses a list whose lines are not hash and path', () => {
    const file = join(root, 'sources.txt.gz');
    writeSources(file, [{ hash: 'not-a-hash', path: 'plain/README.md' }]);
    expect(() => readSources(file)).toThrow(/line 1: expected/);
  });
});
