import { z } from 'zod';
import { CommandError, UsageError } from '../../local-gateway/cli/args.js';
import { configFor, isReservedKeyName, storeKey } from '../../local-gateway/cli/keys.js';
import type { HomePaths } from '../../local-gateway/core/home.js';
import { KEY_NAME, type Keychain } from '../../local-gateway/keychain/index.js';

/** The key prompt's two fields, as main checks them: a keychain entry name (not the gateway's own) and a value. */
export const SetKeyArgsSchema = z.tuple([
  z.string().regex(KEY_NAME, 'up to 64 letters, digits, ".", "_" and "-", starting with a letter or digit').refine((n) => !isReservedKeyName(n), "reserved for the gateway's local token"),
  z.string().trim().min(1, 'the value is empty').max(65_536),
]);

/** What the prompt shows after Save: the key's kind and whether the running gateway took it, or one sentence to fix. Never the value. */
export type SetKeyReply = { ok: true; name: string; kind: string; reloaded: boolean } | { ok: false; error: string };

/** Stores a key from the desktop app through the same module as `gatehouse keys set` (storeKey). */
export async function setKeyFromApp(paths: HomePaths, keychain: Keychain, name: string, value: string): Promise<SetKeyReply> {
  try {
    const { kind, reloaded } = await storeKey({ paths, config: configFor(paths, undefined), name, value, keychain });
    return { ok: true, name, kind, reloaded };
  } catch (err) {
    if (err instanceof CommandError || err instanceof UsageError) return { ok: false, error: err.message };
    throw err;
  }
}
