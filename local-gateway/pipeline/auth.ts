import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GatehouseError } from '../core/errors.js';
import type { Identity } from '../identity/index.js';
import type { RequestContext } from './context.js';

/**
 * Builds the check for the local client token: a bearer, or `x-api-key` as Anthropic clients
 * send it. `printWith` is the command that prints this gateway's token: each home has its own,
 * so a client configured from another home's `gatehouse token` must be told which home to ask.
 */
export function tokenChecker(token: string, printWith = 'gatehouse token'): (headers: IncomingHttpHeaders) => void {
  const expected = Buffer.from(token);
  return (headers) => {
    const auth = headers.authorization;
    const presented = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : (headers['x-api-key'] as string | undefined);
    const given = presented ? Buffer.from(presented) : null;
    // Constant-time comparison, so the token cannot be guessed byte by byte (only its length shows).
    if (!given || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new GatehouseError(
        'GH_ERR_UNAUTHORIZED',
        `${presented ? 'Wrong' : 'Missing'} local token: send "Authorization: Bearer <token>" (or x-api-key); run \`${printWith}\` to print this gateway's token.`,
      );
    }
  };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const NO_HOSTS: ReadonlySet<string> = new Set();

function hostname(host: string): string {
  // `[::1]:4141` keeps its brackets; `127.0.0.1:4141` loses its port.
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
}

/**
 * Refuses a foreign `Host` (DNS rebinding) or a foreign `Origin` (a web page calling the
 * gateway). Shared by HTTP requests and WebSocket upgrades, which Fastify's hooks never see.
 */
export function checkBrowserHeaders(headers: IncomingHttpHeaders, allowedHosts: ReadonlySet<string> = NO_HOSTS): void {
  const host = headers.host ?? '';
  const name = hostname(host).toLowerCase();
  if (!LOOPBACK_HOSTS.has(name) && !allowedHosts.has(name)) {
    throw new GatehouseError('GH_ERR_FORBIDDEN_HOST', `Host "${host}" is not a loopback name: call the gateway as 127.0.0.1 or localhost.`);
  }
  const origin = headers.origin;
  // The dashboard is served by the gateway itself, so its origin is the host it was loaded from.
  if (origin !== undefined && origin !== `http://${host}`) {
    throw new GatehouseError('GH_ERR_FORBIDDEN_ORIGIN', `Origin "${origin}" may not call the gateway: only its own dashboard can, from the browser.`);
  }
}

const METADATA_HEADERS = ['x-gatehouse-metadata', 'x-tfy-metadata'] as const;
const METADATA_HELP = 'send it as a JSON object of strings, e.g. x-gatehouse-metadata: {"team":"payments","ticket_id":"PAY-12"}';

/** Who is calling (the PAT's owner, or the OS user without one) and the metadata the caller attached. */
export function resolveIdentity(ctx: RequestContext, identity: Identity): void {
  ctx.user = identity.user;
  ctx.team = identity.team;
  const name = METADATA_HEADERS.find((h) => ctx.headers[h] !== undefined);
  if (!name) return;
  const raw = ctx.headers[name];
  let parsed: unknown;
  try {
    parsed = JSON.parse(Array.isArray(raw) ? raw.join(',') : (raw ?? ''));
  } catch {
    throw new GatehouseError('GH_ERR_INVALID_METADATA', `The ${name} header is not valid JSON: ${METADATA_HELP}.`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GatehouseError('GH_ERR_INVALID_METADATA', `The ${name} header must be a JSON object: ${METADATA_HELP}.`);
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') {
      throw new GatehouseError('GH_ERR_INVALID_METADATA', `Metadata key "${key}" in ${name} is a ${typeof value}, not a string: ${METADATA_HELP}.`);
    }
    ctx.metadata[key] = value;
  }
}
