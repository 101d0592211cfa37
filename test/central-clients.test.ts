import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../local-gateway/store/schema.js';
import { generateSigningKey } from '../sync/signing.js';
import { startCentral, testBundle, type TestCentral } from './helpers/central.js';
import { startGateway, TEST_TOKEN, type TestGateway } from './helpers/gateway.js';

describe('central gateway: client APIs with a PAT, the prod tier enforced by the same pipeline', () => {
  let c: TestCentral;
  let pat: string;
  let client: OpenAI;
  const seed = generateSigningKey().seed;

  beforeAll(async () => {
    c = await startCentral({ env: { GATEHOUSE_SIGNING_KEY: seed } });
    ({ pat } = await c.createPat('ada', 'payments'));
    await c.publish(testBundle({ metadata: { required: ['ticket_id'] } }));
    client = new OpenAI({ apiKey: pat, baseURL: `${c.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => c.close());

  it('refuses a request without the metadata prod requires, naming the key', async () => {
    const err = await client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toMatch(/prod requires metadata key ticket_id/);
  });

  it('answers a request that carries it from the demo provider, traced as the PAT owner', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-gatehouse-metadata': JSON.stringify({ ticket_id: 'PAY-1' }) } })
      .withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-gatehouse-tier')).toBe('prod');
    expect(response.headers.get('x-gatehouse-shadow')).toBeNull();
    expect(data.choices[0]!.message.content).toBeTruthy();
    // The central's own traces, behind the admin token.
    const trace = (await c.adminJson<Trace>(`/api/traces/${response.headers.get('x-gatehouse-trace-id')}`));
    expect(trace.caller).toMatchObject({ user: 'ada', team: 'payments' });
    expect(trace.metadata).toEqual({ ticket_id: 'PAY-1' });
  });

  it('follows a new publish at once', async () => {
    await c.publish(testBundle());
    const res = await client.chat.completions.create({ model: 'demo/echo', messages: [{ role: 'user', content: 'hi' }] });
    expect(res.choices).toHaveLength(1);
    await c.publish(testBundle({ metadata: { required: ['ticket_id'] } }));
  });

  it('refuses an unknown PAT and the local-style token in the OpenAI error shape', async () => {
    for (const key of ['gh_pat_unknown', TEST_TOKEN]) {
      const bad = new OpenAI({ apiKey: key, baseURL: `${c.url}/v1`, maxRetries: 0 });
      const err = await bad.models.list().catch((e: unknown) => e);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(401);
      expect((err as InstanceType<typeof OpenAI.APIError>).message).toMatch(/Unknown PAT/);
    }
  });

  it('serves a device that uses it as its upstream (kind openai, the PAT as key)', async () => {
    // The device does not forward its callers' metadata header upstream; a provider's fixed headers do travel.
    const provider = (headers: Record<string, string>) => ({ providers: [{ id: 'org', kind: 'openai', base_url: `${c.url}/v1`, api_key: 'env:ORG_PAT', headers }] });
    const devices: TestGateway[] = [];
    try {
      const tagged = await startGateway(provider({ 'x-gatehouse-metadata': JSON.stringify({ ticket_id: 'OPS-1' }) }), { ORG_PAT: pat });
      devices.push(tagged);
      const ok = await tagged.client.chat.completions.create({ model: 'org/demo/echo', messages: [{ role: 'user', content: 'through the org' }] });
      expect(ok.choices[0]!.message.content).toBeTruthy();
      const bare = await startGateway(provider({}), { ORG_PAT: pat });
      devices.push(bare);
      const refused = await bare.client.chat.completions.create({ model: 'org/demo/echo', messages: [{ role: 'user', content: 'no ticket' }] }).catch((e: unknown) => e);
      expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
      expect((refused as InstanceType<typeof OpenAI.APIError>).message).toMatch(/ticket_id/);
    } finally {
      for (const d of devices) await d.close();
    }
  });

  it('with forward_metadata, a device passes its caller\'s metadata to the central, whose prod rule then passes', async () => {
    const device = await startGateway({ providers: [{ id: 'org', kind: 'openai', base_url: `${c.url}/v1`, api_key: 'env:ORG_PAT', forward_metadata: true }] }, { ORG_PAT: pat });
    try {
      const { data, response } = await device.client.chat.completions
        .create({ model: 'org/demo/echo', messages: [{ role: 'user', content: 'with a ticket' }] }, { headers: { 'x-gatehouse-metadata': JSON.stringify({ ticket_id: 'OPS-7' }), 'x-caller-private': 'not-for-upstream' } })
        .withResponse();
      expect(data.choices[0]!.message.content).toBeTruthy();
      const local = await device.api<Trace>(`/api/traces/${response.headers.get('x-gatehouse-trace-id')}`);
      expect(local.metadata).toEqual({ ticket_id: 'OPS-7' });
      // The central traced the call as the PAT's owner, with the metadata, and never saw the device's local token.
      await c.app.gateway.writer.flush();
      const page = await c.adminJson<{ traces: { id: string }[] }>('/api/traces?text=with%20a%20ticket');
      expect(page.traces).toHaveLength(1);
      const upstream = await c.adminJson<Trace>(`/api/traces/${page.traces[0]!.id}`);
      expect(upstream.metadata).toEqual({ ticket_id: 'OPS-7' });
      expect(upstream.caller).toMatchObject({ user: 'ada', team: 'payments' });
      expect(upstream.request_headers).toHaveProperty('x-gatehouse-metadata');
      expect(JSON.stringify(upstream.request_headers)).not.toContain(TEST_TOKEN);
      expect(upstream.request_headers).not.toHaveProperty('x-caller-private');

      const refused = await device.client.chat.completions.create({ model: 'org/demo/echo', messages: [{ role: 'user', content: 'no ticket' }] }).catch((e: unknown) => e);
      expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
      expect((refused as InstanceType<typeof OpenAI.APIError>).message).toMatch(/prod requires metadata key ticket_id/);
    } finally {
      await device.close();
    }
  });

  it('keeps no PAT, admin token or signing seed in its home (databases, WAL, traces)', async () => {
    await c.app.gateway.writer.flush();
    for (const f of readdirSync(c.home, { recursive: true, encoding: 'utf8' })) {
      const path = join(c.home, f);
      if (!statSync(path).isFile()) continue;
      const bytes = readFileSync(path);
      for (const secret of [pat, c.adminToken, seed]) expect(bytes.includes(secret), `${f} holds a secret`).toBe(false);
    }
  });
});
