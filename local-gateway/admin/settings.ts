import type { GatewayServices } from '../server/plugins/gateway.js';
import { loadSecret } from '../providers/secrets.js';
import { SETUP_AGENTS, type Settings } from './schemas.js';
import { syncStatus } from '../routes/sync.js';

/** What the settings page reads: config, providers, key sources, identity and sync state, nothing it could change. */
type SettingsSources = Pick<GatewayServices, 'config' | 'providers' | 'env' | 'identity' | 'tokenSource' | 'policy' | 'sync' | 'outbox'>;

/** Shown where the local token goes in a setup snippet; the dashboard copies the token itself. */
export const TOKEN_PLACEHOLDER = '<token>';

/**
 * Whether a key reference resolves, without the value leaving this function. A keychain that
 * is locked or absent counts as "not present": the provider cannot be called either way.
 */
async function keyPresent(providerId: string, ref: string | null, env: NodeJS.ProcessEnv): Promise<boolean> {
  if (ref === null) return false;
  try {
    return Boolean(await loadSecret(providerId, ref, env));
  } catch {
    return false;
  }
}

/** `GET /api/settings`: providers and their keys' presence, the token's source, identity, enrollment, setup snippets. */
export async function settingsView(gw: SettingsSources, origin: string): Promise<Settings> {
  const configured = new Map(gw.config.providers.map((p) => [p.id, p]));
  const providers = await Promise.all(
    [...gw.providers.values()].map(async (p) => {
      const c = configured.get(p.id);
      // Bedrock may sign with an access key pair instead of an api_key: its key id stands for the pair.
      const ref = c === undefined ? null : (c.api_key ?? ('access_key_id' in c ? (c.access_key_id ?? null) : null));
      return { id: p.id, kind: p.kind, base_url: c?.base_url ?? null, models: [...p.models], key: { ref, present: await keyPresent(p.id, ref, gw.env) } };
    }),
  );
  const identity = gw.identity.current();
  const sync = syncStatus(gw);
  const central = gw.config.central?.url ?? sync.enrollment?.central_url ?? null;
  // Loaded here, not at start: the setup writer brings a diff library only this page needs.
  const { setupText } = await import('../cli/setup.js');
  const setup = Object.fromEntries(SETUP_AGENTS.map((a) => [a, setupText(a, origin, TOKEN_PLACEHOLDER, gw.env, gw.config.providers)])) as Settings['setup'];
  return {
    providers,
    token: { source: gw.tokenSource },
    identity: { user: identity.user, team: identity.team, org: identity.org, source: identity.source },
    enrollment: { enrolled: sync.enrollment !== null || (central !== null && identity.source !== 'os'), central },
    sync,
    setup,
  };
}
