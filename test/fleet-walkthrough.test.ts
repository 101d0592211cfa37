import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FleetViewSchema, UsageAnswerSchema } from '../sync/protocol.js';
import { BIN } from './helpers/cli.js';
import { waitFor } from './helpers/gateway.js';
import { testKeychain } from './helpers/keychain.js';

/**
 * Runs the "Fleet walkthrough" of sync/README.md as written: each ```sh block in order, in one
 * bash session (so its exports and background jobs carry over), in a fresh directory. Two
 * things differ from a reader's terminal, both stated here: `npx gatehouse` runs this
 * checkout's bin directly (npx would find the same file, slower), and the ports 4142 and 4141
 * become free ones, so the test never meets a gateway the developer runs.
 */
const README = fileURLToPath(new URL('../sync/README.md', import.meta.url));
const kc = await testKeychain('test/fleet-walkthrough.test.ts');

function walkthroughBlocks(): string[] {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf('## Fleet walkthrough');
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** One bash reading commands from stdin: a block's output is what it printed before its end marker. */
class Shell {
  private out = '';
  private err = '';
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (this.err += d.toString()));
  }
  async run(block: string, n: number): Promise<{ stdout: string; stderr: string }> {
    const marker = `__block_${n}_done__`;
    const [o, e] = [this.out.length, this.err.length];
    this.child.stdin.write(`${block}\necho ${marker}\n`);
    await waitFor(() => this.out.includes(marker) || this.child.exitCode !== null, `block ${n} to finish`, 60_000);
    if (!this.out.includes(marker)) throw new Error(`the walkthrough stopped in block ${n} (exit ${this.child.exitCode}):\n${block}\n${this.err.slice(e)}`);
    return { stdout: this.out.slice(o, this.out.indexOf(marker)), stderr: this.err.slice(e) };
  }
}

let shell: Shell | null = null;
let dir = '';
afterAll(async () => {
  // The session's background jobs (the central and the gateway) are in its process group.
  if (shell?.child.pid !== undefined && shell.child.exitCode === null) process.kill(-shell.child.pid, 'SIGTERM');
  await kc.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('sync/README.md Fleet walkthrough', () => {
  it.skipIf(!kc.available)('runs as written: central, publish, PAT, enroll, a request, sync now, status, fleet view, usage, unenroll', { timeout: 120_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-walkthrough-'));
    const [centralPort, devicePort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = { ...process.env, ...kc.env, GATEHOUSE_HOME: join(dir, 'laptop'), GATEHOUSE_PORT: String(devicePort), GATEHOUSE_TOKEN: '' };
    // What the walkthrough sets itself must not come from the test's environment.
    for (const k of ['GATEHOUSE_ADMIN_TOKEN', 'GATEHOUSE_ORG', 'GATEHOUSE_PAT', 'GATEHOUSE_SIGNING_KEY', 'GATEHOUSE_CENTRAL_URL', 'GATEHOUSE_CONFIG']) delete env[k];
    const child = spawn('bash', ['--norc', '--noprofile'], { cwd: dir, env, detached: true });
    shell = new Shell(child);
    await shell.run(`set -eo pipefail\nnpx() { if [ "$1" = gatehouse ]; then shift; "${process.execPath}" "${BIN}" "$@"; else command npx "$@"; fi; }`, 0);

    const blocks = walkthroughBlocks().map((b) => b.replaceAll('4142', String(centralPort)).replaceAll('4141', String(devicePort)));
    expect(blocks).toHaveLength(8);
    const outputs: string[] = [];
    const answers = async (port: number) => fetch(`http://127.0.0.1:${port}/`).then(() => true, () => false);
    for (const [i, block] of blocks.entries()) {
      const { stdout } = await shell.run(block, i + 1);
      outputs.push(stdout);
      // A server started in the background: the reader waits for it before the next step; so does the test.
      if (block.includes('central start')) await waitFor(() => answers(centralPort), 'the central to listen', 30_000);
      if (/gatehouse start/.test(block)) await waitFor(() => answers(devicePort), 'the gateway to listen', 30_000);
    }
    const [, published, pat, , enrolled, request, fleet, unenrolled] = outputs as [string, string, string, string, string, string, string, string];
    expect(published).toMatch(/^Published policy\.yaml as version 1, signed by key [0-9a-f]{16}, expires /);
    expect(pat).toBe('');
    expect(readFileSync(join(dir, 'ada.pat'), 'utf8')).toMatch(/^gh_pat_/);
    expect(enrolled).toContain('Enrolled as ada (team platform) in acme');
    expect(enrolled).toContain('The PAT is in the OS keychain.');
    expect(enrolled).toContain('The running gateway synced: Policy v1 applied.');
    // The request's answer, then `sync now`, then `status`.
    expect(request).toContain('"object":"chat.completion"');
    expect(request).toMatch(/Policy unchanged \(v1\)\. Records: [01] sent in [01] batch(es)?, 0 waiting\./);
    expect(request).toMatch(/Policy\s+acme v1 \(org\)/);
    expect(request).toContain('Outbox     0 records waiting');
    const [fleetJson, usageJson] = fleet.trim().split('\n') as [string, string];
    expect(FleetViewSchema.parse(JSON.parse(fleetJson))).toMatchObject({ latest_version: 1, devices: [{ user: 'ada', team: 'platform', applied_version: 1, state: 'SYNCED', records: 1, gaps: [] }] });
    expect(UsageAnswerSchema.parse(JSON.parse(usageJson)).rows).toMatchObject([{ key: 'platform', requests: 1 }]);
    expect(unenrolled).toContain('Unenrolled from acme');
  });
});
