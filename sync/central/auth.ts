import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { CentralError } from './errors.js';
import type { CentralStorage, PatRow } from './storage.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** The credential a caller sent: a bearer, or `x-api-key` as Anthropic clients send it. */
export function presented(headers: IncomingHttpHeaders): string | null {
  const auth = headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim() || null;
  const key = headers['x-api-key'];
  return typeof key === 'string' && key ? key : null;
}

/** The sha256 a PAT is stored and looked up by. */
export function patHash(pat: string): string {
  return sha256(pat).toString('hex');
}

/**
 * The admin token check. Both sides are hashed first, so the comparison is constant-time
 * and equal-length whatever was sent: neither the token's bytes nor its length leak.
 */
export function adminChecker(token: string): (headers: IncomingHttpHeaders) => void {
  const expected = sha256(token);
  return (headers) => {
    const given = presented(headers);
    if (given === null || !timingSafeEqual(sha256(given), expected)) {
      throw new CentralError(
        'GH_ERR_UNAUTHORIZED',
        `${given ? 'Wrong' : 'Missing'} admin token: send "Authorization: Bearer <token>" with the GATEHOUSE_ADMIN_TOKEN the central gateway was started with.`,
      );
    }
  };
}

/** The PAT a caller sent, if it is known and not revoked. */
export async function authenticatePat(storage: CentralStorage, headers: IncomingHttpHeaders): Promise<PatRow> {
  const given = presented(headers);
  if (given === null) throw new CentralError('GH_ERR_UNAUTHORIZED', 'Missing PAT: send "Authorization: Bearer <PAT>"; an org admin creates one with POST /v1/admin/pats.');
  const pat = await storage.patByHash(patHash(given));
  if (!pat) throw new CentralError('GH_ERR_UNAUTHORIZED', 'Unknown PAT: check it, or ask an org admin for a new one (POST /v1/admin/pats).');
  if (pat.revokedAt !== null) throw new CentralError('GH_ERR_PAT_REVOKED', 'This PAT was revoked: ask an org admin for a new one and set it with `gatehouse keys set pat`.');
  return pat;
}
