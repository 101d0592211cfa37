/**
 * Tools allowed or denied per tier (`tools.allow`/`tools.deny`, globs over the exposed
 * `<server>_<tool>` names): the active tier hides the others from `tools/list` and refuses
 * their calls before they reach the server; a shadow tier records what it would refuse.
 * Rate limits that name tools count tool calls, per tool with `scope: [tool]`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../local-gateway/store/schema.js';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from './helpers/gateway.js';
import { writePolicy } from './helpers/policy.js';
import { startMcpHttpStandin, type McpHttpStandin } from './standins/mcp-tools.js';

const POLICY = `
apiVersion: gatehouse/v1
org: acme
tiers:
  dev:
    tools: { allow: ["remote_*"], deny: ["remote_hang", "remote_crash"] }
    rate_limits:
      - { id: query-calls, when: { tools: ["remote_query"] }, scope: [user, tool], limit: { requests: 2, per: 1h } }
      # Written for model calls: a tool call never counts against it.
      - { id: one-model-call, limit: { requests: 1, per: 1h } }
  prod:
    extends: dev
    tools: { allow: ["remote_echo", "remote_query"], deny: ["remote_hang", "remote_crash"] }
    rate_limits:
      - { id: query-calls, when: { tools: ["remote_query"] }, scope: [user, tool], limit: { requests: 1, per: 1h } }
`;

let remote: McpHttpStandin;
let gw: TestGateway;
let client: Client;

beforeAll(async () => {
  remote = await startMcpHttpStandin();
  gw = await startGateway({ policy: writePolicy(POLICY), tiers: { active: 'dev', shadow: ['prod'] }, mcp: { servers: [{ id: 'remote', url: remote.url }] } });
  client = new Client({ name: 'test-ide', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}` } } }));
});
afterAll(async () => {
  await client?.close();
  await gw?.close();
  await remote?.close();
});

type Err = { code: number; message: string; data: Record<string, unknown> };
const traceOf = (meta: unknown) => gw.api<Trace>(`/api/traces/${(meta as Record<string, string>)['gatehouse/trace_id']}`);

describe('tools per tier', () => {
  it('lists only the tools the active tier allows', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('remote_echo');
    expect(names).toContain('remote_read_file');
    expect(names).not.toContain('remote_hang');
    expect(names).not.toContain('remote_crash');
  });

  it('refuses a denied tool by name, before it reaches the server, and traces the refusal', async () => {
    const before = remote.authorizations.length;
    const err = (await client.callTool({ name: 'remote_crash', arguments: {} }).then(() => null, (e: unknown) => e as Err))!;
    expect(err.code).toBe(-32014);
    expect(err.data.gatehouse_code).toBe('GH_ERR_TOOL_NOT_ALLOWED');
    expect(err.message).toContain('dev denies tool remote_crash (rule tools.deny: remote_crash)');
    expect(remote.authorizations.length).toBe(before);
    const t = await traceOf(err.data);
    expect(t.status).toBe(403);
    expect(t.verdicts).toContainEqual(expect.objectContaining({ tier: 'dev', enforced: true, stage: 'tool_access', rule: 'tools.deny', decision: 'block' }));
    expect(t.phases.upstream).toBeUndefined();
  });

  it('answers a tool dev allows and records that prod would refuse it', async () => {
    const r = await client.callTool({ name: 'remote_read_file', arguments: { path: 'README.md' } });
    expect(r.isError).toBeFalsy();
    expect((r._meta as Record<string, unknown>)['gatehouse/shadow']).toEqual(['prod; would=block; rules=tools.allow']);
    const t = await traceOf(r._meta);
    expect(t.verdicts).toContainEqual(expect.objectContaining({ tier: 'prod', enforced: false, stage: 'tool_access', rule: 'tools.allow', decision: 'block' }));
  });

  it('lets a tool both tiers allow through with no shadow verdict', async () => {
    const r = await client.callTool({ name: 'remote_echo', arguments: { text: 'hi' } });
    expect(r.content).toEqual([{ type: 'text', text: 'echo: hi' }]);
    expect((r._meta as Record<string, unknown>)['gatehouse/shadow']).toBeUndefined();
  });

  it('counts tool calls against the rate limits that name tools, and only those', async () => {
    const call = () => client.callTool({ name: 'remote_query', arguments: { query: 'SELECT 1' } }).then((r) => r, (e: unknown) => e as Err);
    const first = (await call()) as { _meta: Record<string, unknown> };
    expect(first._meta['gatehouse/shadow']).toBeUndefined();
    const second = (await call()) as { _meta: Record<string, unknown> };
    expect(second._meta['gatehouse/shadow']).toEqual(['prod; would=block; rules=query-calls']);
    const third = (await call()) as Err;
    expect(third.code).toBe(-32015);
    expect(third.data.gatehouse_code).toBe('GH_ERR_RATE_LIMITED');
    expect(third.message).toContain('rate limit "query-calls" allows 2 requests per 1h for user=');
    expect(third.message).toContain('tool=remote_query');
    // Many echo calls went through above and below: the model-call limit of one never saw them.
    for (let i = 0; i < 3; i++) expect((await client.callTool({ name: 'remote_echo', arguments: { text: String(i) } })).isError).toBeFalsy();
  });

  it('shows the step from dev to prod in the policy diff', async () => {
    const diff = await gw.api<{ changes: { section: string; rule: string; change: string }[] }>('/api/policy/diff?from=dev&to=prod');
    expect(diff.changes).toContainEqual(expect.objectContaining({ section: 'tools', rule: 'tools.allow', change: 'tightened' }));
  });
});

describe('a policy change', () => {
  it('tells the client its tool list changed when the active tier allows other tools, and lists them', async () => {
    const file = writePolicy(POLICY);
    const g = await startGateway({ policy: file, tiers: { active: 'dev', shadow: [] }, mcp: { servers: [{ id: 'remote', url: remote.url }] } });
    let changed = 0;
    const c = new Client({ name: 'test-ide', version: '1.0.0' }, { listChanged: { tools: { onChanged: () => void changed++ } } });
    try {
      await c.connect(new StreamableHTTPClientTransport(new URL(`${g.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}` } } }));
      expect((await c.listTools()).tools.map((t) => t.name)).not.toContain('remote_hang');
      writeFileSync(file, POLICY.replace('deny: ["remote_hang", "remote_crash"] }\n    rate_limits', 'deny: ["remote_crash"] }\n    rate_limits'));
      await waitFor(() => changed > 0, 'notifications/tools/list_changed after the policy change', 15_000);
      expect((await c.listTools()).tools.map((t) => t.name)).toContain('remote_hang');
    } finally {
      await c.close();
      await g.close();
    }
  });
});

describe('tool rate limits across a restart', () => {
  it('rebuilds the tool counters from the stored traces, so a restart hands out no fresh window', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gatehouse-tool-limits-'));
    const policy = writePolicy(POLICY);
    const open = async () => {
      const g = await startGateway({ policy, tiers: { active: 'dev', shadow: [] }, mcp: { servers: [{ id: 'remote', url: remote.url }] } }, {}, { home });
      const c = new Client({ name: 'test-ide', version: '1.0.0' });
      await c.connect(new StreamableHTTPClientTransport(new URL(`${g.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}` } } }));
      return { g, c, query: () => c.callTool({ name: 'remote_query', arguments: { query: 'SELECT 1' } }).then(() => null, (e: unknown) => e as Err) };
    };
    try {
      const first = await open();
      expect(await first.query()).toBeNull();
      expect(await first.query()).toBeNull();
      // The trace is written off the request path: wait until both are stored before closing.
      await waitFor(async () => (await first.g.api<{ traces: unknown[] }>('/api/traces?tool=remote_query')).traces.length === 2, 'both calls stored');
      await first.c.close();
      await first.g.close();
      const second = await open();
      try {
        expect((await second.query())?.data.gatehouse_code).toBe('GH_ERR_RATE_LIMITED');
      } finally {
        await second.c.close();
        await second.g.close();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
