import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { GatehouseError } from '../core/errors.js';
import { unservableModelName } from '../providers/model-name.js';
import type { Identity } from '../identity/index.js';
import type { ClientApi, ProviderAdapter } from '../providers/types.js';
import { planUpstream } from '../translate/index.js';
import type { RequestContext } from './context.js';
import type { Target } from './upstream.js';

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

/**
 * Finds the provider for a model: `<provider>/<model>` first, then a provider that lists
 * the full name among its models (names such as `meta-llama/Llama-3` contain a slash).
 */
export function findTarget(providers: ReadonlyMap<string, ProviderAdapter>, api: ClientApi, model: string): Target {
  const slash = model.indexOf('/');
  let provider: ProviderAdapter | undefined;
  let upstreamModel = model;
  if (slash > 0 && providers.has(model.slice(0, slash))) {
    provider = providers.get(model.slice(0, slash));
    upstreamModel = model.slice(slash + 1);
  } else {
    provider = [...providers.values()].find((p) => p.models.includes(model));
  }
  if (!provider) {
    const ids = [...providers.keys()].join(', ');
    if (slash > 0) {
      throw new GatehouseError('GH_ERR_UNKNOWN_PROVIDER', `Unknown provider "${model.slice(0, slash)}" in model "${model}": configured providers are ${ids}.`, { param: 'model' });
    }
    throw new GatehouseError(
      'GH_ERR_UNKNOWN_MODEL',
      `Model "${model}" matches no virtual model or provider: address it as <provider>/<model> (providers: ${ids}), or list it under a provider's models in gatehouse.yaml.`,
      { param: 'model' },
    );
  }
  if (!upstreamModel) {
    throw new GatehouseError('GH_ERR_UNKNOWN_MODEL', `Model "${model}" names a provider but no model: use ${provider.id}/<model>.`, { param: 'model' });
  }
  const unservable = unservableModelName(upstreamModel);
  if (unservable !== null) {
    throw new GatehouseError('GH_ERR_INVALID_MODEL', `Model "${model}" cannot be served: ${unservable}. Use the provider's own model name, e.g. ${provider.id}/<model>.`, { param: 'model' });
  }
  if (!planUpstream(api, provider)) {
    throw new GatehouseError('GH_ERR_UNSUPPORTED_API', `Provider "${provider.id}" (${provider.kind}) cannot serve ${api}: pick a model on another provider.`, { param: 'model' });
  }
  return { provider, model: upstreamModel };
}
