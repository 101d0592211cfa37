import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnGateway, type RunningGateway } from './helpers/cli.js';
import { CURL_SHIM, fencedBlocks, outputsOf, scriptOf } from './helpers/readme.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = fencedBlocks(README);
const runnable = blocks.filter((b) => b.runnable);

/**
 * Blocks left unmarked on purpose, each for a reason a fresh install cannot get past: the
 * install and the suite themselves (the test starts the gateway as `npm start` would), and the
 * fleet, which needs a central gateway and a PAT (sync's own end-to-end tests run it), and the
 * desktop app, which needs the Electron binary (CI cannot download it).
 */
const NOT_RUNNABLE = [/^npm ci && npm start/, /gatehouse central start/, /gatehouse enroll --central/, /^npm run app/];

let gateway: RunningGateway | null = null;
const dirs: string[] = [];
afterAll(() => {
  if (gateway?.child.exitCode === null) gateway.child.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the README', () => {
  it('marks every sh and ts example runnable but the install and the fleet', () => {
    const unmarked = blocks.filter((b) => (b.lang === 'sh' || b.lang === 'ts') && !b.runnable);
    for (const b of unmarked) expect(NOT_RUNNABLE.some((r) => r.test(b.text)), `README.md:${b.line} is an example nobody runs: mark it runnable`).toBe(true);
    expect(runnable.length).toBeGreaterThanOrEqual(4);
  });

  it('runs every runnable example as written, in order, on a fresh home', { timeout: 120_000 }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-readme-'));
    dirs.push(home);
    const env = { HOME: home, GATEHOUSE_HOME: join(home, 'gatehouse'), GATEHOUSE_CONFIG: '' };
    gateway = await spawnGateway([], env);
    const port = new URL(gateway.url).port;

    const path = [join(ROOT, 'node_modules', '.bin'), process.env.PATH ?? ''];
    if (spawnSync('sh', ['-c', 'command -v curl']).status !== 0) {
      const shim = join(home, 'bin');
      mkdirSync(shim);
      writeFileSync(join(shim, 'curl'), CURL_SHIM);
      chmodSync(join(shim, 'curl'), 0o755);
      path.unshift(shim);
    }
    const r = spawnSync('bash', ['-c', scriptOf(runnable, gateway.url)], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 110_000,
      env: { ...process.env, ...env, PATH: path.join(delimiter), GATEHOUSE_PORT: port, GATEHOUSE_TOKEN: '', GATEHOUSE_KEYCHAIN: 'off' },
    });
    expect(r.status, `README examples failed:\n${r.stdout}\n${r.stderr}`).toBe(0);

    const outputs = outputsOf(r.stdout, runnable.length);
    runnable.forEach((b, n) => {
      const out = outputs[n]!;
      if (b.lang === 'ts' || b.text.includes('/v1/')) expect(out, `README.md:${b.line} got no answer from demo/echo`).toContain('Demo reply from Gatehouse');
      if (b.text.includes('gatehouse status')) expect(out, `README.md:${b.line}`).toMatch(/Traces\s+2\b/);
      if (b.text.includes('setup claude-code --mcp')) expect(out, `README.md:${b.line}`).toMatch(/"url": "http:\/\/127\.0\.0\.1:\d+\/mcp"/);
      else if (b.text.includes('setup claude-code')) expect(out, `README.md:${b.line}`).toContain('export ANTHROPIC_MODEL=demo/echo');
    });
  });
});

/** The README, CONTRIBUTING.md and every page under docs/. */
function docPages(): string[] {
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
  return [join(ROOT, 'README.md'), join(ROOT, 'CONTRIBUTING.md'), ...walk(join(ROOT, 'docs'))];
}

describe('the docs', () => {
  it('link only to files that exist in the checkout, and never to the design notes users do not have', () => {
    const broken: string[] = [];
    for (const page of docPages()) {
      const text = readFileSync(page, 'utf8');
      expect(text, `${relative(ROOT, page)} points at ../shared/`).not.toMatch(/\.\.\/shared\/|DESIGN\.md/);
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split('#')[0]!;
        if (target === '' || /^[a-z]+:/.test(target)) continue;
        if (!existsSync(resolve(dirname(page), target))) broken.push(`${relative(ROOT, page)} → ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
