import { signBytes, type SigningKeyPair } from '../../sync/signing.js';
import type { PolicyResponse } from '../../sync/protocol.js';

export interface BundleFields {
  org?: string;
  version: number;
  expires?: string | null;
  /** Extra YAML appended under the dev tier, to tell versions apart. */
  devModels?: string[];
  intervalSeconds?: number;
}

/** Bundle text in YAML, as an org admin would publish it (version already assigned). */
export function bundleText(f: BundleFields): string {
  const lines = [
    'apiVersion: gatehouse/v1',
    `org: ${f.org ?? 'acme'}`,
    `version: ${f.version}`,
    ...(f.expires === null ? [] : [`expires: ${f.expires ?? '2099-01-01T00:00:00Z'}`]),
    'tiers:',
    '  dev:',
    `    models: { allow: [${(f.devModels ?? ['"*"']).join(', ')}] }`,
    ...(f.intervalSeconds !== undefined ? [`    sync: { interval_seconds: ${f.intervalSeconds} }`] : []),
    '  prod:',
    '    extends: dev',
    '    metadata: { required: [team] }',
    '',
  ];
  return lines.join('\n');
}

/** What `GET /v1/fleet/policy` answers for the bundle, signed by `key`. */
export function signedResponse(key: SigningKeyPair, f: BundleFields, extra: Partial<PolicyResponse> = {}): PolicyResponse {
  const bundle = bundleText(f);
  return { bundle, signature: signBytes(key, bundle), key_id: key.keyId, version: f.version, endorsements: [], ...extra };
}

/** Changes one byte of the text (the first letter of the org name), in YAML and JSON alike. */
export function flipOneByte(text: string): string {
  const i = text.indexOf('acme');
  return text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ 1) + text.slice(i + 1);
}
