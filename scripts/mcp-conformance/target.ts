/**
 * What the conformance suite runs against: a gateway fronting four stand-in MCP servers, the
 * tool stand-in (`remote_*`), one with the suite's reference tools and one with its tasks
 * tools, both under their own names (`prefix: false`, as the suite calls them), behind a loopback proxy that adds the local
 * token (the suite sends no headers of its own).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema } from '../../local-gateway/config/schema.js';
import { ensureHome } from '../../local-gateway/core/home.js';
import { buildGateway, listenLoopback } from '../../local-gateway/server/app.js';
import { inputToolsFactory, startModernStandin } from '../../test/standins/mcp-modern.js';
import { referenceServer, startMcpReferenceStandin } from '../../test/standins/mcp-reference.js';
import { taskToolsServer } from '../../test/standins/mcp-task-tools.js';
import { startMcpHttpStandin } from '../../test/standins/mcp-tools.js';

const TOKEN = 'conformance-token-0123456789';

export interface ConformanceTarget {
  /** The proxy's `/mcp`, for the suite's `--url`. */
  url: string;
  close(): Promise<void>;
}

export async function startConformanceTarget(): Promise<ConformanceTarget> {
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-conformance-'));
  ensureHome(home);
  const upstream = await startMcpHttpStandin();
  const reference = await startMcpReferenceStandin(() => referenceServer({ inputTools: false }));
  // The multi-round-trip tools on a server that speaks only 2026-07-28: on either run the gateway translates, or passes their questions on.
  const mrtr = await startModernStandin(inputToolsFactory());
  const jobs = await startMcpReferenceStandin(taskToolsServer);
  const app = await buildGateway({
    config: ConfigSchema.parse({ mcp: { servers: [{ id: 'remote', url: upstream.url }, { id: 'ref', url: reference.url, prefix: false }, { id: 'jobs', url: jobs.url, prefix: false }, { id: 'mrtr', url: mrtr.url, prefix: false }] } }),
    configFile: null,
    home,
    token: { value: TOKEN, source: 'env', file: null },
    logging: false,
  });
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
  return {
    url: `http://127.0.0.1:${(proxy.address() as { port: number }).port}/mcp`,
    async close() {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
      await app.close();
      await upstream.close();
      await reference.close();
      await jobs.close();
      await mrtr.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
