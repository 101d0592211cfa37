import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { z } from 'zod';
import type { Config } from '../config/schema.js';
import { writePrivateJson } from '../core/home.js';

/**
 * What a key is for: `provider` when a config `keychain:NAME` reference uses it, `pat` for the
 * central gateway's personal access token, `token` for the local client token, `other` for
 * anything else (e.g. a key set before the config that uses it).
 */
export const KEY_KINDS = ['provider', 'pat', 'token', 'other'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

/** The keychain entry of the central gateway's personal access token. */
export const PAT_NAME = 'pat';

const KeyIndexSchema = z.object({
  keys: z.record(z.string(), z.object({ kind: z.enum(KEY_KINDS), set_at: z.string() })),
});
export type KeyIndex = z.infer<typeof KeyIndexSchema>;

export interface KeyListing {
  name: string;
  kind: KeyKind;
  set_at: string;
}

/**
 * The keychain cannot list its entries on every platform, so Gatehouse keeps their names,
 * kinds and set times in `<home>/keys.json`. It holds no value: it is not a secret.
 */
export function readKeyIndex(file: string, onMovedAside: (to: string) => void = () => {}): KeyIndex {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { keys: {} };
  }
  let parsed: ReturnType<typeof KeyIndexSchema.safeParse> | null = null;
  try {
    parsed = KeyIndexSchema.safeParse(JSON.parse(text));
  } catch {
    // Not JSON at all: handled as damaged below.
  }
  if (parsed?.success) return parsed.data;
  // A damaged index reads as empty, so every keys command still works; it is moved aside
  // rather than left to be overwritten by the next `keys set`, which would lose its names.
  // Two damaged reads in one millisecond must not overwrite the first copy.
  const stamp = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  let aside = stamp;
  for (let n = 1; existsSync(aside); n += 1) aside = `${stamp}-${n}`;
  renameSync(file, aside);
  onMovedAside(aside);
  return { keys: {} };
}

export function recordKey(file: string, name: string, kind: KeyKind, at = new Date(), onMovedAside?: (to: string) => void): void {
  const index = readKeyIndex(file, onMovedAside);
  index.keys[name] = { kind, set_at: at.toISOString() };
  writePrivateJson(file, index);
}

/** Removes a name from the index; true if it was there. */
export function forgetKey(file: string, name: string, onMovedAside?: (to: string) => void): boolean {
  const index = readKeyIndex(file, onMovedAside);
  if (!(name in index.keys)) return false;
  delete index.keys[name];
  if (Object.keys(index.keys).length === 0) rmSync(file, { force: true });
  else writePrivateJson(file, index);
  return true;
}

/** Names the config reads from the keychain (`api_key: keychain:NAME`). */
export function keychainRefs(config: Config | null): Set<string> {
  const names = new Set<string>();
  for (const p of config?.providers ?? []) if (p.api_key?.startsWith('keychain:')) names.add(p.api_key.slice('keychain:'.length));
  return names;
}

export function kindOf(name: string, config: Config | null): KeyKind {
  if (name === PAT_NAME) return 'pat';
  if (name.startsWith('local-token')) return 'token';
  return keychainRefs(config).has(name) ? 'provider' : 'other';
}

/** The index as a sorted list; a kind recorded as `other` becomes `provider` once the config uses it. */
export function listKeys(file: string, config: Config | null, onMovedAside?: (to: string) => void): KeyListing[] {
  const refs = keychainRefs(config);
  return Object.entries(readKeyIndex(file, onMovedAside).keys)
    .map(([name, e]) => ({ name, kind: e.kind === 'other' && refs.has(name) ? ('provider' as const) : e.kind, set_at: e.set_at }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
