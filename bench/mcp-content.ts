/**
 * What a `resources/read` through `/mcp` costs now that it is a trace under policy, side by
 * side in one run: the official SDK client reads a small text resource of the stand-in
 * (`test/standins/mcp-notes.ts`) directly, through the gateway with no policy (a trace, the
 * access lists), and through it with the `mcp_post_tool` guardrails a policy runs on what a
 * server returns (pii + secrets + prompt_injection) in the active tier and a shadow tier.
 * Everything runs in this process, so the figures are the gateway's own work plus one
 * loopback hop.
 *
 *   npx tsx bench/mcp-content.ts [--reads 500]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { ConfigSchema } from '../local-gateway/config/schema.js';
import { ensureHome } from '../local-gateway/core/home.js';
import { buildGateway, listenLoopback } from '../local-gateway/server/app.js';
import { startMcpNotesStandin } from '../test/standins/mcp-notes.js';

const TOKEN = 'bench-mcp-content-token-0123456789';
const at = process.argv.indexOf('--reads');
const BLOCK = 25;
const READS = Math.ceil(Number(at >= 0 ? process.argv[at + 1] : 500) / BLOCK) * BLOCK;
const WARMUP = 100;

const POLICY = `apiVersion: gatehouse/v1
org: bench
tiers:
  dev:
    guardrails:
      - { id: pii-out, type: pii, hook: mcp_post_tool, action: mutate }
      - { id: secrets-out, type: secrets, hook: mcp_post_tool, action: mutate }
      - { id: injection, type: prompt_injection, hook: mcp_post_tool, action: validate }
  prod:
    extends: dev
`;

async function gateway(home: string, upstream: string, policy: string | null) {
  ensureHome(home);
  const config: Record<string, unknown> = { mcp: { servers: [{ id: 'notes', url: upstream }] } };
  if (policy) {
    writeFileSync(join(home, 'policy.yaml'), policy);
    Object.assign(config, { policy: join(home, 'policy.yaml'), tiers: { active: 'dev', shadow: ['prod'] } });
  }
  const app = await buildGateway({ config: ConfigSchema.parse(config), configFile: null, home, token: { value: TOKEN, source: 'env', file: null }, logging: false });
  return { url: `${await listenLoopback(app, 0)}/mcp`, close: () => app.close() };
}

async function client(url: string, token?: string): Promise<Client> {
  const c = new Client({ name: 'bench', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} } }));
  return c;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-bench-mcp-content-'));
  const notes = await startMcpNotesStandin();
  const plain = await gateway(join(home, 'plain'), notes.url, null);
  const hooked = await gateway(join(home, 'hooked'), notes.url, POLICY);
  try {
    const sides = { direct: await client(notes.url), gatehouse: await client(plain.url, TOKEN), 'gatehouse+hooks': await client(hooked.url, TOKEN) };
    const names = Object.keys(sides) as (keyof typeof sides)[];
    const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    // Blocks rotate who goes first, so drift on a shared machine hits every side alike.
    for (let b = 0; b < (WARMUP + READS) / BLOCK; b++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(b + k) % names.length]!;
        for (let i = 0; i < BLOCK; i++) {
          const t = performance.now();
          await sides[name].readResource({ uri: 'notes://contact' });
          if (b * BLOCK >= WARMUP) times[name]!.push((performance.now() - t) * 1000);
        }
      }
    }
    const d50 = pct(times.direct!, 50);
    console.log(`${READS} sequential resources/read of a 48-byte text per side after ${WARMUP} warm-up, µs`);
    console.log('side                 p50      p99    added p50');
    for (const name of names) console.log(`${name.padEnd(19)} ${pct(times[name]!, 50).toFixed(0).padStart(6)} ${pct(times[name]!, 99).toFixed(0).padStart(8)} ${(pct(times[name]!, 50) - d50).toFixed(0).padStart(10)}`);
    for (const c of Object.values(sides)) await c.close();
  } finally {
    await plain.close();
    await hooked.close();
    await notes.close();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
