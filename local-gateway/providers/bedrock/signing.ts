import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignedRequest {
  url: URL;
  /** Path and query as sent, e.g. `/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse`. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * SHA-256 on Node's crypto, as the AWS SDKs use in Node; the pure-JS hash took ~10× longer
 * over an agent-sized body (2.4 ms for 256 KiB), and SigV4 hashes the whole body.
 */
const Sha256 = Hash.bind(null, 'sha256');

/**
 * Signs a Bedrock Runtime request with AWS Signature Version 4 (service `bedrock`), using
 * Smithy's signer, the one the AWS SDKs use. The `host` header is signed, so the request must
 * be sent with exactly these headers.
 */
export async function signRequest(req: SignedRequest, region: string, credentials: AwsCredentials, signingDate?: Date): Promise<Record<string, string>> {
  const signer = new SignatureV4({ service: 'bedrock', region, credentials, sha256: Sha256 });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: req.url.protocol,
      hostname: req.url.hostname,
      ...(req.url.port ? { port: Number(req.url.port) } : {}),
      path: req.path,
      query: {},
      headers: { host: req.url.host, ...req.headers },
      body: req.body,
    },
    signingDate ? { signingDate } : {},
  );
  return signed.headers;
}
