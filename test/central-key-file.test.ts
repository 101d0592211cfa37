import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PATHS } from '../sync/protocol.js';
import { signingKeyFromSeed } from '../sync/signing.js';
import { startCentral } from './helpers/central.js';

// The signing seed from a file (GATEHOUSE_SIGNING_KEY_FILE), as a secret mounted on every
// replica: made at first start, kept across a restart, replaced by a rotation.
describe('central signing key from a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-keyfile-'));
  const file = join(dir, 'signing.key');
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-central-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('signs with the file\'s key, keeps it across a restart, and a rotation writes the next one there', async () => {
    const env = { GATEHOUSE_SIGNING_KEY_FILE: file };
    let c = await startCentral({ home, env });
    const first = c.app.central.signer.keyId;
    expect(c.app.central.signer.source).toBe('file');
    expect(signingKeyFromSeed(readFileSync(file, 'utf8').trim()).keyId).toBe(first);
    await c.close();

    c = await startCentral({ home, env });
    expect(c.app.central.signer.keyId).toBe(first);
    const res = await c.admin(PATHS.adminKeysRotate, { method: 'POST' });
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as { key_id: string; previous_key_id: string };
    expect(rotated.previous_key_id).toBe(first);
    expect(signingKeyFromSeed(readFileSync(file, 'utf8').trim()).keyId).toBe(rotated.key_id);
    await c.close();

    c = await startCentral({ home, env });
    expect(c.app.central.signer.keyId).toBe(rotated.key_id);
    await c.close();
  });
});
