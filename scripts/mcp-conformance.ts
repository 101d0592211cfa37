/**
 * Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`, server
 * scenarios) against `/mcp`: a gateway in this process fronting the stand-in MCP server, behind
 * a loopback proxy that adds the local token (the suite sends no headers of its own). The suite
 * is not a dependency: pass its CLI, installed anywhere (it needs Node 22's `fs.globSync`).
 *
 *   npx tsx scripts/mcp-conformance.ts --cli /path/to/node_modules/.bin/conformance [--scenario NAME]...
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema } from '../local-gateway/config/schema.js';
import { ensureHome } from '../local-gateway/core/home.js';
import { buildGateway, listenLoopback } from '../local-gateway/server/app.js';
import { startMcpHttpStandin } from '../test/standins/mcp-tools.js';

const TOKEN = 'conformance-token-0123456789';
const arg = (name: string) => process.argv.flatMap((a, i) => (a === name ? [process.argv[i + 1]!] : []));
const cli = arg('--cli')[0];
if (!cli) {
  console.error('Pass the suite: --cli /path/to/node_modules/.bin/conformance (npm install @modelcontextprotocol/conformance in a scratch folder).');
  process.exit(2);
}

const home = mkdtempSync(join(tmpdir(), 'gatehouse-conformance-'));
ensureHome(home);
const upstream = await startMcpHttpStandin();
const app = await buildGateway({ config: ConfigSchema.parse({ mcp: { servers: [{ id: 'remote', url: upstream.url }] } }), configFile: null, home, token: { value: TOKEN, source: 'env', file: null }, logging: false });
const gateway = new URL(await listenLoopback(app, 0));
// Adds the token and passes everything else as sent, Host and Origin included, so the gateway's own checks meet the suite's requests.
const proxy = createServer((req, res) => {
  const up = request({ host: '127.0.0.1', port: gateway.port, path: req.url, method: req.method, headers: { ...req.headers, authorization: `Bearer ${TOKEN}` } }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
});
await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}/mcp`;

const scenarios = arg('--scenario');
let failed = 0;
try {
  for (const scenario of scenarios.length > 0 ? scenarios : [null]) {
    // Not spawnSync: the gateway answering the suite runs on this process's event loop.
    const child = spawn(cli, ['server', '--url', url, '--timeout', process.env.CONFORMANCE_TIMEOUT_MS ?? '30000', ...(scenario ? ['--scenario', scenario] : [])], { stdio: ['ignore', 'inherit', 'inherit'] });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (status !== 0) failed++;
  }
} finally {
  proxy.close();
  await app.close();
  await upstream.close();
  rmSync(home, { recursive: true, force: true });
}
process.exit(failed > 0 ? 1 : 0);
