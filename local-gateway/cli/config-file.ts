import { existsSync } from 'node:fs';
import { ConfigError } from '../core/config-error.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { homePaths } from '../core/home.js';
import { CommandError, resolveHome } from './args.js';

/** The config file every command reads: --config, else GATEHOUSE_CONFIG, else the home's gatehouse.yaml when it exists; null for built-in defaults. */
export function resolveConfigFile(flag: string | undefined, homeConfig: string, env: NodeJS.ProcessEnv = process.env): string | null {
  return flag ?? (env.GATEHOUSE_CONFIG || null) ?? (existsSync(homeConfig) ? homeConfig : null);
}

/** The loaded config, or a CommandError naming the file, line and field of each mistake. */
export function cliConfig(values: { home?: string | undefined; config?: string | undefined }): LoadedConfig & { home: string } {
  const home = resolveHome(values.home);
  try {
    return { ...loadConfig(resolveConfigFile(values.config, homePaths(home).config)), home };
  } catch (err) {
    if (err instanceof ConfigError) throw new CommandError(`Config not loaded:\n${err.message}`);
    throw err;
  }
}

