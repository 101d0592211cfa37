/**
 * bench/mcp.ts, part 2: a ~1 MB tool result scanned by `mcp_post_tool` guardrails, beside a
 * cold scan of the same text by the same rules outside the gateway.
 */
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { ConfigSchema } from '../../local-gateway/config/schema.js';
import { ensureHome } from '../../local-gateway/core/home.js';
import { Scanner } from '../../local-gateway/guardrails/scanner.js';
import { GuardrailSchema } from '../../local-gateway/policy/schema.js';
import { buildGateway, listenLoopback } from '../../local-gateway/server/app.js';
import { codeText } from './code-corpus.js';

const TYPES = ['pii', 'secrets', 'prompt_injection'];
const ROUNDS = 5;
const MB = 1024 * 1024;
const MESSAGE = 16 * 1024;

let run = 0;
/** ~1 MB of code-heavy text in 16 KB content blocks, each tagged with a run number so no memo has seen it. */
function freshBlocks(): string[] {
  const base = codeText(11, MB);
  const tag = ++run;
  const out: string[] = [];
  for (let i = 0; i < base.length; i += MESSAGE) out.push(`[run ${tag}, part ${i / MESSAGE}]\n${base.slice(i, i + MESSAGE)}`);
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function largeResult(home: string, token: string): Promise<void> {
  ensureHome(home);
  let next: string[] = [];
  const upstream = new McpServer({ name: 'large', version: '1.0.0' });
  upstream.registerTool('read', { description: 'Answers with the next ~1 MB of text' }, () => ({ content: next.map((text) => ({ type: 'text' as const, text })) }));
  const handler = createMcpHandler(() => upstream);
  const http = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const response = await handler.fetch(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body: chunks.length > 0 ? Buffer.concat(chunks) : undefined }));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (response.body) for await (const c of response.body) res.write(c);
    res.end();
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}/mcp`;
  const rules = TYPES.map((type) => `      - { id: ${type}, type: ${type}, hook: mcp_post_tool, action: validate, mode: audit }`).join('\n');
  const policy = join(home, 'policy.yaml');
  writeFileSync(policy, `apiVersion: gatehouse/v1\norg: bench\ntiers:\n  dev:\n    guardrails:\n${rules}\n`);
  const config = ConfigSchema.parse({ policy, tiers: { active: 'dev', shadow: [] }, mcp: { servers: [{ id: 'large', url }] } });
  const app = await buildGateway({ config, configFile: null, home, token: { value: token, source: 'env', file: null }, logging: false });
  const base = await listenLoopback(app, 0);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  const scanner = new Scanner(TYPES.map((type) => GuardrailSchema.parse({ id: type, type, hook: 'mcp_post_tool', action: 'validate' })));
  try {
    const hook: number[] = [];
    const call: number[] = [];
    const cold: number[] = [];
    let bytes = 0;
    for (let i = 0; i <= ROUNDS; i++) {
      next = freshBlocks();
      bytes = next.reduce((n, t) => n + Buffer.byteLength(t), 0);
      const t0 = performance.now();
      const result = await client.callTool({ name: 'large_read', arguments: {} });
      const ms = performance.now() - t0;
      const id = (result._meta as Record<string, unknown>)['gatehouse/trace_id'] as string;
      const trace = (await (await fetch(`${base}/api/traces/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { phases: Record<string, number> };
      const texts = freshBlocks();
      const c0 = performance.now();
      await scanner.scanTexts(texts);
      const coldMs = performance.now() - c0;
      if (i === 0) continue; // warm-up: JIT and lazily built engines
      call.push(ms);
      hook.push(trace.phases.mcp_post_tool ?? NaN);
      cold.push(coldMs);
    }
    const mbps = (ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(1);
    console.log(`\n~1 MB tool result (${(bytes / 1e6).toFixed(2)} MB in ${next.length} blocks), ${TYPES.join(' + ')} on mcp_post_tool, median of ${ROUNDS}, ms (MB/s)`);
    console.log(`mcp_post_tool phase in the gateway  ${median(hook).toFixed(1).padStart(7)} (${mbps(median(hook))})`);
    console.log(`cold scan, same rules, no gateway   ${median(cold).toFixed(1).padStart(7)} (${mbps(median(cold))})`);
    console.log(`whole call through the gateway      ${median(call).toFixed(1).padStart(7)}`);
  } finally {
    await client.close();
    await app.close();
    await handler.close();
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
  }
}
