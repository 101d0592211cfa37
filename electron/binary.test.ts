import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { electronPackageDir } from './binary.js';

describe('the electron package on this Node', () => {
  // Electron >= 41 declares Node >= 22.12, and npm warns EBADENGINE on Node 20. The only code of the
  // package Node ever runs is its installer (`npm run app` runs it to fetch the binary), which
  // require()s @electron/get, an ES module: that loads on Node 20.19+, where require(esm) is on.
  // A later electron whose installer does not load here fails this, not a developer's first `npm run app`.
  it("loads the installer's downloader the way install.js does", () => {
    const dir = electronPackageDir();
    expect(dir).not.toBeNull();
    const script = `const { downloadArtifact } = require('@electron/get'); process.stdout.write(typeof downloadArtifact);`;
    const r = spawnSync(process.execPath, ['--input-type=commonjs', '-e', script], { cwd: dir!, encoding: 'utf8', env: { ...process.env, NODE_PATH: join(dir!, 'node_modules') } });
    expect(r.stderr).not.toContain('ERR_REQUIRE_ESM');
    expect(r.stdout).toBe('function');
  });
});
