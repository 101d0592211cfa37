import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { PATHS, StatusReportSchema, type PolicyResponse } from '../../sync/protocol.js';
import { generateSigningKey, publicSigningKey, type SigningKeyPair } from '../../sync/signing.js';
import { signedResponse, type BundleFields } from './bundles.js';

export interface StandinDevice {
  device_id: string;
  applied_version: number | null;
  rejected_version: number | null;
  last_error: string | null;
  state: 'NEVER' | 'SYNCED' | 'REJECTED';
}

export interface CentralStandin {
  url: string;
  pat: string;
  key: SigningKeyPair;
  /** Signs and serves the bundle as the latest. */
  publish(f: Omit<BundleFields, 'org'>): PolicyResponse;
  devices: Map<string, StandinDevice>;
  policyRequests: number;
  close(): Promise<void>;
}

/**
 * A central gateway reduced to what the device side of policy sync calls (enroll, policy with
 * ETag, status), speaking the protocol's wire format, for the device's own tests.
 */
export async function startCentralStandin(org = 'acme'): Promise<CentralStandin> {
  const key = generateSigningKey();
  const pat = `gh_pat_standin_${randomUUID().replace(/-/g, '')}`;
  let latest: PolicyResponse | null = null;
  const devices = new Map<string, StandinDevice>();
  const standin: Omit<CentralStandin, 'url' | 'close'> = {
    pat,
    key,
    devices,
    policyRequests: 0,
    publish(f) {
      latest = signedResponse(key, { ...f, org });
      return latest;
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      if (req.headers.authorization !== `Bearer ${pat}`) return json(401, { error: { code: 'GH_ERR_UNAUTHORIZED', message: 'unknown PAT' } });
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'POST' && path === PATHS.enroll) {
        const id = `dev_${randomUUID().slice(0, 8)}`;
        devices.set(id, { device_id: id, applied_version: null, rejected_version: null, last_error: null, state: 'NEVER' });
        return json(200, { device_id: id, org, signing_keys: [publicSigningKey(key)], user: 'ada', team: 'platform' });
      }
      if (req.method === 'GET' && path === PATHS.policy) {
        standin.policyRequests++;
        if (latest === null) return json(404, { error: { code: 'GH_ERR_NOT_FOUND', message: 'no policy published' } });
        const etag = `"v${latest.version}"`;
        if (req.headers['if-none-match'] === etag) return res.writeHead(304).end();
        return json(200, latest, { etag });
      }
      if (req.method === 'POST' && path === PATHS.status) {
        const report = StatusReportSchema.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        const d = devices.get(report.device_id);
        if (!d) return json(404, { error: { code: 'GH_ERR_NOT_FOUND', message: 'unknown device' } });
        if ('applied_version' in report) Object.assign(d, { applied_version: report.applied_version, state: 'SYNCED', last_error: null });
        else Object.assign(d, { rejected_version: report.rejected_version, last_error: report.error, state: 'REJECTED' });
        return json(200, { ok: true });
      }
      json(404, { error: { code: 'GH_ERR_NOT_FOUND', message: `no route ${path}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(standin, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
