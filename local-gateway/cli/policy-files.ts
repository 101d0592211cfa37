import { resolve } from 'node:path';
import { ConfigError } from '../core/config-error.js';
import { type LoadedConfig } from '../config/load.js';
import { resolveTier, type PolicyBundle, type ResolvedTier } from '../policy/schema.js';
import { loadPolicyFile } from '../policy/source.js';
import { CommandError, UsageError } from './args.js';

/** The bundle file a command works on: the one named, else the config's `policy:`. */
export function policyFileArg(file: string | undefined, loaded: LoadedConfig, command: string): string {
  if (file !== undefined) return resolve(file);
  if (loaded.config.policy !== undefined) return loaded.config.policy;
  throw new UsageError(`No policy file: name one (gatehouse policy ${command} FILE) or set policy: in ${loaded.file ?? 'gatehouse.yaml'}.`);
}

/** Loads a bundle for a command; a bad one fails with every problem listed. */
export function loadBundleOrFail(file: string): PolicyBundle {
  try {
    return loadPolicyFile(file);
  } catch (err) {
    if (err instanceof ConfigError) throw new CommandError(`Policy not valid:\n${err.message}`);
    throw err;
  }
}

/** A tier of the bundle; a name it lacks is a usage mistake that lists the tiers it has. */
export function tierOrUsage(bundle: PolicyBundle, name: string, flag: string): ResolvedTier {
  if (!(name in bundle.tiers)) throw new UsageError(`The policy has no tier "${name}": pass ${flag} one of ${Object.keys(bundle.tiers).join(', ')}.`);
  return resolveTier(bundle, name);
}
