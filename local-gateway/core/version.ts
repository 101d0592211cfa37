import { readFileSync } from 'node:fs';

function readVersion(): string {
  // Two levels up from both the sources and dist/: local-gateway/core → package root.
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'gatehouse' && pkg.version) return pkg.version;
    } catch {
      // Try the next candidate.
    }
  }
  return '0.0.0';
}

export const VERSION = readVersion();
