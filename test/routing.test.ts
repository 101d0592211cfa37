import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { orderTargets } from '../local-gateway/pipeline/routing.js';
import { TargetSchema } from '../local-gateway/policy/schema.js';
import { startOpenAIStandin, type OpenAIStandin } from './standins/openai-upstream.js';
import { startGateway, TEST_TOKEN, UPSTREAM_KEY, upstreamConfig, waitFor, type TestGateway } from './helpers/gateway.js';
import { chat, writePolicy } from './helpers/policy.js';

const POLICY = `
apiVersion: gatehouse/v1
org: acme
tiers:
  dev:
    virtual_models:
      fallback:
        targets:
          - { model: up/fail-500, priority: 0 }
          - { model: up/gpt-4o-mini, priority: 1 }
      retrying:
        targets:
          - { model: up/fail-500, priority: 0, retry: { attempts: 3, on_status: [500], backoff_ms: 5 } }
          - { model: up/gpt-4o-mini, priority: 1 }
      unlisted-retry:
        targets:
          - { model: up/rate-limit, priority: 0, retry: { attempts: 3, on_status: [500], backoff_ms: 5 } }
          - { model: up/gpt-4o-mini, priority: 1 }
        fallback_on: [429]
      no-fallback:
        targets:
          - { model: up/rate-limit, priority: 0 }
          - { model: up/gpt-4o-mini, priority: 1 }
        fallback_on: [500]
      timing-out:
        targets:
          - { model: up/slow, priority: 0, timeout_ms: 150 }
          - { model: up/gpt-4o-mini, priority: 1 }
      breaker:
        targets:
          - { model: up/fail-500, priority: 0 }
          - { model: up/gpt-4o-mini, priority: 1 }
        circuit_breaker: { failures: 2, cooldown_ms: 30000 }
      lonely:
        targets:
          - { model: up/fail-500 }
        circuit_breaker: { failures: 1, cooldown_ms: 30000 }
      slow-stream:
        targets:
          - { model: up/slow-stream, timeout_ms: 5000 }
      partly-configured:
        targets:
          - { model: anthropic/claude-sonnet-4-5, priority: 0 }
          - { model: up/gpt-4o-mini, priority: 1 }
      unconfigured:
        targets:
          - { model: anthropic/claude-sonnet-4-5 }
`;

let upstream: OpenAIStandin;
let gw: TestGateway;
let now = Date.now();
const backoffs: number[] = [];

beforeAll(async () => {
  // The slow model holds its headers far longer than the target's timeout; tests never wait for it.
  upstream = await startOpenAIStandin({ apiKey: UPSTREAM_KEY, delayHeadersMs: 60_000 });
  gw = await startGateway({ ...upstreamConfig(upstream.url), policy: writePolicy(POLICY) }, {}, {
    policy: {
      clock: () => now,
      random: () => 0,
      sleep: async (ms) => void backoffs.push(ms),
    },
  });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
  backoffs.length = 0;
});

const models = () => upstream.requests.map((r) => (r.body as { model: string }).model);

describe('virtual models', () => {
  it('fall back past a failing target', async () => {
    const r = await chat(gw, 'hi', { model: 'fallback' });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-gatehouse-resolved-model')).toBe('up/gpt-4o-mini');
    expect(models()).toEqual(['fail-500', 'gpt-4o-mini']);
    expect(r.headers.get('server-timing')).toMatch(/route;dur=.*provider_call;dur=/);
  });

  it('retry a target on its listed statuses, with doubling backoff, before falling back', async () => {
    const r = await chat(gw, 'hi', { model: 'retrying' });
    expect(r.status).toBe(200);
    expect(models()).toEqual(['fail-500', 'fail-500', 'fail-500', 'gpt-4o-mini']);
    // random() = 0 puts the jitter at its floor: half of 5 ms, then of 10 ms.
    expect(backoffs).toEqual([2.5, 5]);
  });

  it('do not retry a status the target does not list', async () => {
    const r = await chat(gw, 'hi', { model: 'unlisted-retry' });
    expect(r.status).toBe(200);
    expect(models()).toEqual(['rate-limit', 'gpt-4o-mini']);
  });

  it('relay the error when its status is not in fallback_on', async () => {
    const r = await chat(gw, 'hi', { model: 'no-fallback' });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
    expect(models()).toEqual(['rate-limit']);
  });

  it('fall back when a target passes its timeout', async () => {
    const r = await chat(gw, 'hi', { model: 'timing-out' });
    expect(r.status).toBe(200);
    expect(models()).toEqual(['slow', 'gpt-4o-mini']);
    expect(upstream.requests[0]!.aborted).toBe(true);
  });

  it('skip a target whose circuit is open, and try it again after the cooldown', async () => {
    await chat(gw, 'one', { model: 'breaker' });
    await chat(gw, 'two', { model: 'breaker' });
    expect(models()).toEqual(['fail-500', 'gpt-4o-mini', 'fail-500', 'gpt-4o-mini']);
    upstream.requests.length = 0;
    const open = await chat(gw, 'three', { model: 'breaker' });
    expect(open.status).toBe(200);
    expect(models()).toEqual(['gpt-4o-mini']);
    upstream.requests.length = 0;
    now += 30_001;
    await chat(gw, 'four', { model: 'breaker' });
    // Half-open: one trial call; it fails, so the circuit opens again at once.
    expect(models()).toEqual(['fail-500', 'gpt-4o-mini']);
    upstream.requests.length = 0;
    await chat(gw, 'five', { model: 'breaker' });
    expect(models()).toEqual(['gpt-4o-mini']);
  });

  it('answer 503 with retry-after when every target is paused', async () => {
    expect((await chat(gw, 'a', { model: 'lonely' })).status).toBe(502);
    const r = await chat(gw, 'b', { model: 'lonely' });
    expect(r.status).toBe(503);
    expect(r.json.error).toMatchObject({ code: 'GH_ERR_CIRCUIT_OPEN' });
    expect(Number(r.headers.get('retry-after'))).toBe(30);
    expect(models()).toEqual(['fail-500']);
  });
});

describe('a target with its own timeout', () => {
  it('still stops the upstream stream when the client leaves after the headers', async () => {
    const client = new AbortController();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'slow-stream', stream: true, messages: [{ role: 'user', content: 'one two three four five six' }] }),
      signal: client.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    client.abort();
    await waitFor(() => upstream.requests[0]?.aborted, 'the upstream request to be aborted');
    expect(upstream.requests[0]!.finished).toBe(false);
  });
});

describe('targets on providers this gateway lacks', () => {
  it('are left out, so the virtual model works through the others', async () => {
    const r = await chat(gw, 'hi', { model: 'partly-configured' });
    expect(r.status).toBe(200);
    expect(models()).toEqual(['gpt-4o-mini']);
  });

  it('leave a virtual model with none a 404 that names them', async () => {
    const r = await chat(gw, 'hi', { model: 'unconfigured' });
    expect(r.status).toBe(404);
    expect(r.json.error!.message).toContain('Virtual model "unconfigured" has no target this gateway can call: anthropic/claude-sonnet-4-5 (Unknown provider "anthropic"');
  });
});

describe('target order', () => {
  const t = (model: string, priority: number, weight = 1) => TargetSchema.parse({ model, priority, weight });

  it('goes by priority, and shares one priority by weight', () => {
    const targets = [t('b', 1), t('a1', 0, 3), t('a2', 0, 1)];
    expect(orderTargets(targets, () => 0).map((x) => x.model)).toEqual(['a1', 'a2', 'b']);
    // 0.8 of the total weight 4 lands past a1's 3.
    expect(orderTargets(targets, () => 0.8).map((x) => x.model)).toEqual(['a2', 'a1', 'b']);
  });
});
