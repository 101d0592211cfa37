/**
 * Added latency of a tool call through `/mcp` over calling the upstream MCP server directly,
 * side by side in one run: the official SDK client calls `echo` on the Streamable HTTP
 * stand-in (`test/standins/mcp-tools.ts`) directly, through the gateway with no policy, and
 * through it to the same stand-in spoken to on 2026-07-28 (the gateway's `protocol: auto`) instead
 * of 2025-11-25, through it with pre- and post-tool hooks (pii + secrets on the arguments and the result,
 * Cedar `tool_permissions`) in the active tier and the same in a shadow tier. The gateway
 * runs in this process (`buildGateway`), the stand-in too: all three share one event loop,
 * so the figures are the gateway's own work plus one extra loopback hop.
 *
 * Then a 1 MB tool result: a second upstream answers with ~1 MB of code-heavy text never seen
 * before (bench/lib/code-corpus.ts, the guardrails speed bench's corpus), through a gateway
 * whose active tier runs pii + secrets + prompt_injection on `mcp_post_tool`; the call's
 * `mcp_post_tool` phase (from its trace) beside a cold scan of the same text by the same rules
 * outside the gateway (`Scanner`, as bench/guardrails-speed.ts measures it), median of 5.
 *
 *   npx tsx bench/mcp.ts [--calls 1000]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { ConfigSchema } from '../local-gateway/config/schema.js';
import { ensureHome } from '../local-gateway/core/home.js';
import { buildGateway, listenLoopback } from '../local-gateway/server/app.js';
import { startMcpHttpStandin } from '../test/standins/mcp-tools.js';
import { largeResult } from './lib/mcp-large.js';

const TOKEN = 'bench-mcp-token-0123456789';
const callsAt = process.argv.indexOf('--calls');
const CALLS = Math.ceil(Number(callsAt >= 0 ? process.argv[callsAt + 1] : 1000) / 25) * 25;
const WARMUP = 200;
const BLOCK = 25;

const POLICY = `apiVersion: gatehouse/v1
org: bench
tiers:
  dev:
    guardrails:
      - { id: tools, type: tool_permissions, hook: mcp_pre_tool, action: validate, config: { cedar: 'permit(principal, action, resource == Server::"remote");' } }
      - { id: pii-args, type: pii, hook: mcp_pre_tool, action: mutate }
      - { id: secrets-out, type: secrets, hook: mcp_post_tool, action: validate }
  prod:
    extends: dev
`;

async function gateway(home: string, policy: string | null) {
  ensureHome(home);
  const remote = await startMcpHttpStandin();
  // The stand-in speaks both revisions: `remote` is pinned to 2025-11-25 (a session), `modern` left on auto (2026-07-28, stateless).
  const config: Record<string, unknown> = { mcp: { servers: [{ id: 'remote', url: remote.url, protocol: '2025-11-25' }, { id: 'modern', url: remote.url }] } };
  if (policy) {
    const file = join(home, 'policy.yaml');
    writeFileSync(file, policy);
    Object.assign(config, { policy: file, tiers: { active: 'dev', shadow: ['prod'] } });
  }
  const app = await buildGateway({ config: ConfigSchema.parse(config), configFile: null, home, token: { value: TOKEN, source: 'env', file: null }, logging: false });
  const url = await listenLoopback(app, 0);
  return { url: `${url}/mcp`, remote, close: async () => (await app.close(), await remote.close()) };
}

async function client(url: string, token?: string, pin?: '2026-07-28'): Promise<Client> {
  const c = new Client({ name: 'bench', version: '1.0.0' }, pin ? { versionNegotiation: { mode: { pin } } } : {});
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} } }));
  return c;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-bench-mcp-'));
  const plain = await gateway(join(home, 'plain'), null);
  const hooked = await gateway(join(home, 'hooked'), POLICY);
  try {
    const sides = {
      direct: { c: await client(plain.remote.url), tool: 'echo' },
      // Straight to the stand-in on 2026-07-28: its server per request is its own cost, which the row through the gateway carries too.
      'direct, 2026-07-28': { c: await client(plain.remote.url, undefined, '2026-07-28'), tool: 'echo' },
      gatehouse: { c: await client(plain.url, TOKEN), tool: 'remote_echo' },
      // The same call with the gateway speaking 2026-07-28 to the upstream (per-request envelope, no session).
      'gh, 2026-07-28 up': { c: await client(plain.url, TOKEN), tool: 'modern_echo' },
      'gatehouse+hooks': { c: await client(hooked.url, TOKEN), tool: 'remote_echo' },
      // The stateless revision toward the gateway (no session: a server per request); the gateway's own client to the stand-in is unchanged.
      'hooks, 2026-07-28': { c: await client(hooked.url, TOKEN, '2026-07-28'), tool: 'remote_echo' },
    };
    const names = Object.keys(sides) as (keyof typeof sides)[];
    const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    const cpu: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
    // In blocks of BLOCK calls, rotating who goes first, so drift on a shared machine hits every
    // side alike; the process's CPU time per block is the side's own work (client, gateway,
    // stand-in, the store's thread), which a loaded machine disturbs far less than wall time.
    for (let b = 0; b < (WARMUP + CALLS) / BLOCK; b++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(b + k) % names.length]!;
        const { c, tool } = sides[name];
        const measured = b * BLOCK >= WARMUP;
        const c0 = process.cpuUsage();
        for (let i = 0; i < BLOCK; i++) {
          const t = performance.now();
          await c.callTool({ name: tool, arguments: { text: 'a small argument, as a file path or a ticket id' } });
          if (measured) times[name]!.push((performance.now() - t) * 1000);
        }
        const used = process.cpuUsage(c0);
        if (measured) cpu[name]! += used.user + used.system;
      }
    }
    const d50 = pct(times.direct!, 50);
    const d99 = pct(times.direct!, 99);
    const dcpu = cpu.direct! / CALLS;
    console.log(`${CALLS} sequential tools/call per side after ${WARMUP} warm-up, µs (request sent → result parsed by the SDK client; cpu = the process's CPU per call)`);
    console.log('side                 p50      p99    added p50  added p99    cpu  added cpu');
    for (const name of names) {
      const p50 = pct(times[name]!, 50);
      const p99 = pct(times[name]!, 99);
      const c = cpu[name]! / CALLS;
      console.log(`${name.padEnd(19)} ${p50.toFixed(0).padStart(6)} ${p99.toFixed(0).padStart(8)} ${(p50 - d50).toFixed(0).padStart(10)} ${(p99 - d99).toFixed(0).padStart(10)} ${c.toFixed(0).padStart(6)} ${(c - dcpu).toFixed(0).padStart(10)}`);
    }
    for (const { c } of Object.values(sides)) await c.close();
    await largeResult(join(home, 'large'), TOKEN);
  } finally {
    await plain.close();
    await hooked.close();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
