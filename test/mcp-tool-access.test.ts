/**
 * Tools allowed or denied per tier (`tools.allow`/`tools.deny`, globs over the exposed
 * `<server>_<tool>` names): the active tier hides the others from `tools/list` and refuses
 * their calls before they reach the server; a shadow tier records what it would refuse.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../local-gateway/store/schema.js';
import { startGateway, TEST_TOKEN, type TestGateway } from './helpers/gateway.js';
import { writePolicy } from './helpers/policy.js';
import { startMcpHttpStandin, type McpHttpStandin } from './standins/mcp-tools.js';

const POLICY = `
apiVersion: gatehouse/v1
org: acme
tiers:
  dev:
    tools: { allow: ["remote_*"], deny: ["remote_hang", "remote_crash"] }
  prod:
    extends: dev
    tools: { allow: ["remote_echo", "remote_query"], deny: ["remote_hang", "remote_crash"] }
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
    expect(err.code).toBe(-32021);
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

  it('shows the step from dev to prod in the policy diff', async () => {
    const diff = await gw.api<{ changes: { section: string; rule: string; change: string }[] }>('/api/policy/diff?from=dev&to=prod');
    expect(diff.changes).toContainEqual(expect.objectContaining({ section: 'tools', rule: 'tools.allow', change: 'tightened' }));
  });
});
