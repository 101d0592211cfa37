import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPolicyText } from '../local-gateway/policy/validate.js';
import { startGateway, TEST_TOKEN, type TestGateway } from './helpers/gateway.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

const auth = { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' };

/** The billion-laughs shape: each level names the one above nine times, so expanding it is exponential. */
function aliasBomb(levels = 12): string {
  const lines = ['apiVersion: gatehouse/v1', 'org: acme', 'version: 1', 'x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < levels; i++) lines.push(`x${i}: &a${i} [${Array.from({ length: 9 }, () => `*a${i - 1}`).join(', ')}]`);
  lines.push(`tiers: { dev: { metadata: { required: *a${levels - 1} } } }`);
  return lines.join('\n');
}

describe('a YAML alias bomb is refused as a bad policy, not a crash', () => {
  it('POST /api/policy/replay answers 400 GH_ERR_INVALID_POLICY naming the aliases', async () => {
    const res = await fetch(`${gw.url}/api/policy/replay`, { method: 'POST', headers: auth, body: JSON.stringify({ policy: aliasBomb() }) });
    const body = (await res.json()) as { error: { code: string; param: string; message: string } };
    expect(res.status).toBe(400);
    expect(body.error).toMatchObject({ code: 'GH_ERR_INVALID_POLICY', param: 'policy' });
    expect(body.error.message).toMatch(/alias/i);
  });

  it('the loader every policy path shares reports it as a problem', () => {
    const r = checkPolicyText(aliasBomb(), 'policy.yaml');
    expect(r.ok).toBe(false);
  });
});
