/**
 * `prompts/get` and `resources/read` through `/mcp` as traces under policy, with the official
 * SDK client against a real gateway: the `mcp_post_tool` guardrails scan what comes back (an
 * instruction hidden in a resource is refused, an email or a key redacted), the active tier's
 * `prompts`/`resources` lists refuse and hide, the shadow tier's verdicts are recorded, and
 * every fetch, refused ones too, is a trace the trace list shows as an MCP call.
 */
import { writeFileSync } from 'node:fs';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPolicyText } from '../local-gateway/policy/validate.js';
import type { Trace, TracePage } from '../local-gateway/store/schema.js';
import { startGateway, TEST_TOKEN, waitFor, type TestGateway } from './helpers/gateway.js';
import { writePolicy } from './helpers/policy.js';
import type { McpHttpServing } from './standins/mcp-http.js';
import { NOTES, NOTES_KEY, startMcpNotesStandin } from './standins/mcp-notes.js';

const POLICY = `
apiVersion: gatehouse/v1
org: acme
tiers:
  dev:
    resources: { deny: ["notes://internal"] }
    guardrails:
      - { id: pii-out, type: pii, hook: mcp_post_tool, action: mutate, config: { entities: [email] } }
      - { id: keys-out, type: secrets, hook: mcp_post_tool, action: mutate }
      - { id: injection, type: prompt_injection, hook: mcp_post_tool, action: validate, mode: enforce }
      # Scoped to tool calls: it must never act on a prompt or a resource.
      - { id: tools-only, type: deny_regex, hook: mcp_post_tool, action: validate, when: { tools: ["notes_*"] }, config: { patterns: ["Release"] } }
  prod:
    extends: dev
    prompts: { allow: ["notes_handover"] }
`;

let notes: McpHttpServing;
let gw: TestGateway;
let client: Client;

beforeAll(async () => {
  notes = await startMcpNotesStandin();
  gw = await startGateway({ policy: writePolicy(POLICY), tiers: { active: 'dev', shadow: ['prod'] }, mcp: { servers: [{ id: 'notes', url: notes.url }] } });
  client = new Client({ name: 'test-ide', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}`, 'x-gatehouse-metadata': '{"team":"docs"}' } } }));
});
afterAll(async () => {
  await client?.close();
  await gw?.close();
  await notes?.close();
});

type Err = { code: number; message: string; data: Record<string, unknown> };
const refusedRead = (uri: string) => client.readResource({ uri }).then(() => null, (e: unknown) => e as Err);
const traceOf = (meta: unknown) => gw.api<Trace>(`/api/traces/${(meta as Record<string, string>)['gatehouse/trace_id']}`);
const textOf = (contents: unknown[]) => (contents[0] as { text: string }).text;

describe('resources/read under policy', () => {
  it('answers a clean resource as the server sent it, and traces it as an MCP resource read', async () => {
    const r = await client.readResource({ uri: 'notes://plain' });
    expect(r.contents).toEqual([{ uri: 'notes://plain', mimeType: 'text/plain', text: NOTES.plain }]);
    const t = await traceOf(r._meta);
    expect(t).toMatchObject({ api: 'mcp', method: 'resources/read', status: 200, tier: 'dev', provider: 'notes', caller: { user: expect.any(String) }, metadata: { team: 'docs' } });
    expect(t.tool).toEqual({ server: 'notes', name: 'notes://plain', exposed: 'notes://plain', kind: 'resource' });
    expect(t.phases.upstream).toBeGreaterThanOrEqual(0);
    // The tools-only rule matched "Release" yet stayed out: it names tools.
    expect(t.verdicts.filter((v) => v.decision !== 'allow')).toEqual([]);
    const page = await gw.api<TracePage>('/api/traces?tool=notes://plain');
    expect(page.traces.map((x) => x.id)).toContain(t.id);
    expect(page.traces.find((x) => x.id === t.id)).toMatchObject({ tool: { kind: 'resource' }, ask: 'notes://plain', answer: expect.stringContaining('Release notes') });
  });

  it('refuses a resource that carries a hidden instruction with a JSON-RPC error naming the rule, and still traces it', async () => {
    const err = (await refusedRead('notes://page'))!;
    expect(err.code).toBe(-32013);
    expect(err.data.gatehouse_code).toBe('GH_ERR_GUARDRAIL_BLOCKED');
    expect(err.message).toContain('injection');
    const t = await traceOf(err.data);
    expect(t).toMatchObject({ method: 'resources/read', status: 403, error_code: 'GH_ERR_GUARDRAIL_BLOCKED', tool: { kind: 'resource', exposed: 'notes://page' } });
    expect(t.verdicts).toContainEqual(expect.objectContaining({ tier: 'dev', enforced: true, stage: 'mcp_post_tool', rule: 'injection', decision: 'block' }));
    expect(t.verdicts).toContainEqual(expect.objectContaining({ tier: 'prod', enforced: false, stage: 'mcp_post_tool', rule: 'injection', decision: 'block' }));
    // What the client never got is not kept either.
    expect(JSON.stringify(t.response_body)).not.toContain('evil.example');
  });

  it('redacts an email and a key from resources, in the answer and in the trace', async () => {
    const contact = await client.readResource({ uri: 'notes://contact' });
    expect(textOf(contact.contents)).not.toContain('jane.doe@example.com');
    expect(textOf(contact.contents)).toContain('on call this week');
    expect(contact.contents[0]).toMatchObject({ uri: 'notes://contact', mimeType: 'text/plain' });
    const t = await traceOf(contact._meta);
    expect(t.verdicts).toContainEqual(expect.objectContaining({ tier: 'dev', stage: 'mcp_post_tool', rule: 'pii-out', decision: 'mutate' }));
    expect(JSON.stringify(t.response_body)).not.toContain('jane.doe@example.com');

    const keys = await client.readResource({ uri: 'notes://keys' });
    expect(textOf(keys.contents)).not.toContain(NOTES_KEY);
    expect((await traceOf(keys._meta)).verdicts).toContainEqual(expect.objectContaining({ tier: 'dev', rule: 'keys-out', decision: 'mutate' }));
  });

  it("refuses a resource the tier's resources.deny names before it reaches the server, and leaves it out of resources/list", async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual(['notes://contact', 'notes://keys', 'notes://page', 'notes://plain']);
    const err = (await refusedRead('notes://internal'))!;
    expect(err.code).toBe(-32014);
    expect(err.data.gatehouse_code).toBe('GH_ERR_TOOL_NOT_ALLOWED');
    expect(err.message).toContain('resources.deny');
    const t = await traceOf(err.data);
    expect(t).toMatchObject({ status: 403, tool: { kind: 'resource', exposed: 'notes://internal' } });
    expect(t.verdicts).toContainEqual(expect.objectContaining({ tier: 'dev', stage: 'tool_access', rule: 'resources.deny', decision: 'block' }));
    expect(t.phases.upstream).toBeUndefined();
  });

  it('traces a read of a URI no server has, with the invalid-params error the client gets', async () => {
    const err = (await refusedRead('elsewhere://nothing'))!;
    expect(err.code).toBe(-32602);
    const t = await traceOf(err.data);
    expect(t).toMatchObject({ method: 'resources/read', status: 400, error_message: expect.stringContaining('elsewhere://nothing') });
  });
});

describe('a stateless 2026-07-28 client', () => {
  it('gets the same policy and a trace with the metadata of its own request', async () => {
    const modern = new Client({ name: 'test-ide', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await modern.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}`, 'x-gatehouse-metadata': '{"team":"modern"}' } } }));
    try {
      const r = await modern.readResource({ uri: 'notes://contact' });
      expect(JSON.stringify(r.contents)).not.toContain('jane.doe@example.com');
      expect(await traceOf(r._meta)).toMatchObject({ method: 'resources/read', metadata: { team: 'modern' }, tool: { kind: 'resource' } });
      await expect(modern.readResource({ uri: 'notes://page' })).rejects.toMatchObject({ code: -32013 });
    } finally {
      await modern.close();
    }
  });
});

describe('prompts/get under policy', () => {
  it("redacts an email in a prompt's messages and records what prod's prompts list would refuse", async () => {
    const r = await client.getPrompt({ name: 'notes_review', arguments: { code: 'mail("jane.doe@example.com")' } });
    const text = (r.messages[0]!.content as { text: string }).text;
    expect(text).toMatch(/^Review this code: mail\("/);
    expect(text).not.toContain('jane.doe@example.com');
    expect((r._meta as Record<string, unknown>)['gatehouse/shadow']).toEqual(['prod; would=block; rules=prompts.allow']);
    const t = await traceOf(r._meta);
    expect(t).toMatchObject({ method: 'prompts/get', status: 200, tool: { server: 'notes', name: 'review', exposed: 'notes_review', kind: 'prompt' } });
    expect(t.verdicts).toContainEqual(expect.objectContaining({ tier: 'prod', enforced: false, stage: 'tool_access', rule: 'prompts.allow', decision: 'block' }));
    expect(t.verdicts.filter((v) => v.tier === 'dev' && v.decision === 'block')).toEqual([]);
  });

  it("scans a prompt's embedded resource, and keeps its URI and type", async () => {
    const r = await client.getPrompt({ name: 'notes_handover' });
    expect(r.messages[1]!.content).toMatchObject({ type: 'resource', resource: { uri: 'notes://contact', mimeType: 'text/plain' } });
    expect(JSON.stringify(r.messages)).not.toContain('jane.doe@example.com');
    expect((r._meta as Record<string, unknown>)['gatehouse/shadow']).toBeUndefined();
  });
});

describe('a policy change', () => {
  it("tells the client its resource list changed when the active tier's resources lists move, and lists what they now allow", async () => {
    const file = writePolicy(POLICY);
    const g = await startGateway({ policy: file, tiers: { active: 'dev', shadow: [] }, mcp: { servers: [{ id: 'notes', url: notes.url }] } });
    let changed = 0;
    const c = new Client({ name: 'test-ide', version: '1.0.0' }, { listChanged: { resources: { onChanged: () => void changed++ } } });
    try {
      await c.connect(new StreamableHTTPClientTransport(new URL(`${g.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${TEST_TOKEN}` } } }));
      expect((await c.listResources()).resources.map((r) => r.uri)).not.toContain('notes://internal');
      writeFileSync(file, POLICY.replace('resources: { deny: ["notes://internal"] }', 'resources: { deny: ["notes://keys"] }'));
      await waitFor(() => changed > 0, 'notifications/resources/list_changed after the policy change', 15_000);
      const uris = (await c.listResources()).resources.map((r) => r.uri);
      expect(uris).toContain('notes://internal');
      expect(uris).not.toContain('notes://keys');
    } finally {
      await c.close();
      await g.close();
    }
  });
});

describe('the policy schema for prompts and resources', () => {
  it('rejects a typo in a resources list with its line and field', () => {
    const r = checkPolicyText('apiVersion: gatehouse/v1\norg: acme\ntiers:\n  dev:\n    resources:\n      alow: ["notes://*"]\n', 'policy.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toContainEqual(expect.objectContaining({ line: 6, path: expect.stringContaining('resources') }));
  });
});
