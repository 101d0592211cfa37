import type * as Keyring from '@napi-rs/keyring';
import type { EntryOptions } from '@napi-rs/keyring';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

type Binding = typeof Keyring;
let binding: Binding | null = null;

/**
 * The native module is loaded on first use (~3.4 MB resident): a gateway whose token and
 * keys come from the environment (CI, the bench) never pays for it.
 */
function native(): Binding {
  binding ??= createRequire(import.meta.url)('@napi-rs/keyring') as Binding;
  return binding;
}

/** The keychain service every Gatehouse entry is filed under; one entry per key name. */
export const KEYCHAIN_SERVICE = 'gatehouse';

/** Names a developer may give a key: what `keychain:NAME` in the config can reference. */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * On Linux the library would fall back to the kernel keyring when no Secret Service answers.
 * Kernel keys vanish at logout or reboot, so a key set there would silently disappear: pin
 * the Secret Service and report its absence instead.
 */
const ENTRY_OPTIONS: EntryOptions | undefined = process.platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined;

/** A desktop may show an unlock prompt; past this, the keychain counts as locked. */
const DEFAULT_TIMEOUT_MS = 30_000;

export type KeychainFailure = 'locked' | 'unreachable';

/** The OS keychain could not be used: locked, or no keychain service at all (headless Linux, CI). */
export class KeychainUnavailableError extends Error {
  readonly reason: KeychainFailure;
  constructor(reason: KeychainFailure, detail: string) {
    super(detail);
    this.name = 'KeychainUnavailableError';
    this.reason = reason;
  }
}

const UNLOCK_HINT =
  process.platform === 'darwin'
    ? 'your login keychain (Keychain Access, or `security unlock-keychain`)'
    : 'your keyring (log in to the desktop session, or run `gnome-keyring-daemon --unlock`)';

/**
 * The one sentence a developer sees when the keychain is needed but unusable; `what` names
 * the key. Provider keys may come from the environment instead; a PAT only ever from the keychain.
 */
export function keychainAdvice(err: KeychainUnavailableError, what: string, verb: 'read' | 'stored' | 'removed' = 'read', envAlternative = true): string {
  const instead = envAlternative ? ', or reference the key as env:NAME in gatehouse.yaml instead' : '';
  return err.reason === 'locked'
    ? `The OS keychain is locked, so ${what} cannot be ${verb}: unlock ${UNLOCK_HINT}${instead}.`
    : `No OS keychain is reachable (${err.message}), so ${what} cannot be ${verb}: start or unlock your keyring (macOS Keychain, Windows Credential Manager, or a Secret Service such as gnome-keyring)${instead}.`;
}

function classify(err: unknown): KeychainUnavailableError {
  if (err instanceof KeychainUnavailableError) return err;
  const message = err instanceof Error ? err.message : String(err);
  // The library reports every platform failure as a generic error; only the wording tells a locked store from a missing one.
  const locked = /lock|prompt|interaction|passphrase|denied/i.test(message);
  return new KeychainUnavailableError(locked ? 'locked' : 'unreachable', message.replace(/^Platform failure: /, '').split('\n')[0]!);
}

function withTimeout<T>(op: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KeychainUnavailableError('locked', `no answer from the keychain within ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([op, timeout]).finally(() => clearTimeout(timer));
}

export interface KeychainProbe {
  ok: boolean;
  reason: KeychainFailure | null;
  detail: string | null;
}

/** The OS keychain (macOS Keychain, Windows Credential Manager, the Secret Service on Linux). */
export interface Keychain {
  readonly service: string;
  /** The stored value, or null when there is no entry; throws KeychainUnavailableError. */
  get(name: string): Promise<string | null>;
  /** The same, blocking the thread: for callers that cannot wait, once per key. */
  getSync(name: string): string | null;
  set(name: string, value: string): Promise<void>;
  /** True if an entry was deleted, false if there was none. */
  delete(name: string): Promise<boolean>;
  /** Whether an entry can be written and read back now (a locked store still answers lookups of absent entries). */
  probe(): Promise<KeychainProbe>;
}

/**
 * Opens the keychain under `GATEHOUSE_KEYCHAIN_SERVICE` (tests use their own service, never
 * the developer's). `GATEHOUSE_KEYCHAIN=off` makes it unreachable on purpose, e.g. on a
 * server whose session bus would show prompts nobody answers.
 */
export function openKeychain(env: NodeJS.ProcessEnv = process.env, timeoutMs = DEFAULT_TIMEOUT_MS): Keychain {
  const service = env.GATEHOUSE_KEYCHAIN_SERVICE || KEYCHAIN_SERVICE;
  const off = env.GATEHOUSE_KEYCHAIN === 'off';
  const disabled = () => new KeychainUnavailableError('unreachable', 'GATEHOUSE_KEYCHAIN=off');
  const entry = (name: string) => new (native().AsyncEntry)(service, name, ENTRY_OPTIONS);
  const run = async <T>(op: () => Promise<T>): Promise<T> => {
    if (off) throw disabled();
    try {
      return await withTimeout(op(), timeoutMs);
    } catch (err) {
      throw classify(err);
    }
  };

  const keychain: Keychain = {
    service,
    get: (name) => run(() => entry(name).getPassword()),
    getSync(name) {
      if (off) throw disabled();
      try {
        return new (native().Entry)(service, name, ENTRY_OPTIONS).getPassword();
      } catch (err) {
        throw classify(err);
      }
    },
    set: (name, value) => run(() => entry(name).setPassword(value)),
    delete: (name) => run(() => entry(name).deletePassword()),
    async probe() {
      const name = `probe-${randomBytes(6).toString('hex')}`;
      const value = randomBytes(12).toString('hex');
      try {
        await keychain.set(name, value);
        const back = await keychain.get(name);
        await keychain.delete(name);
        if (back !== value) return { ok: false, reason: 'unreachable', detail: 'the keychain did not return what was stored' };
        return { ok: true, reason: null, detail: null };
      } catch (err) {
        const e = classify(err);
        return { ok: false, reason: e.reason, detail: e.message };
      }
    },
  };
  return keychain;
}
