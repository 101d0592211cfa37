import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { ConfigError, type YamlProblem } from '../core/config-error.js';
import type { Logger } from '../core/log.js';
import type { PolicyBundle } from './schema.js';
import { parsePolicyText } from './validate.js';
import { activePolicy, readPolicyText, type ActivePolicy, type PolicyLoadError, type PolicySource } from './source.js';

/** Editors write a file in several steps (truncate, write, rename); one reload after they settle. */
export const WATCH_DEBOUNCE_MS = 150;

export interface WatchOptions {
  log: Logger;
  debounceMs?: number;
}

/**
 * A policy source that follows a local bundle file. The file must be valid at start (the
 * caller reports the error and does not start). After that, a good edit replaces the policy
 * in one assignment, so a request sees the old or the new policy, never a mix; a bad edit is
 * refused, logged with its file:line: field error and kept as `lastError()`, and the last good
 * policy stays in force.
 *
 * The directory is watched rather than the file, because editors that save by renaming a
 * temporary file over the original would leave a file watch on the deleted inode.
 */
export function watchPolicyFile(file: string, tierNames: readonly string[], opts: WatchOptions): PolicySource {
  const path = resolve(file);
  const debounceMs = opts.debounceMs ?? WATCH_DEBOUNCE_MS;
  // The text in force, so an event that changed nothing (a touch, a revert) is not a reload.
  let appliedText = readPolicyText(path);
  let policy = activePolicy(withTiers(parsePolicyText(appliedText, path), tierNames, path), tierNames, 'file', path);
  let lastError: PolicyLoadError | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const listeners: ((p: ActivePolicy) => void)[] = [];
  const errorListeners: ((e: PolicyLoadError | null) => void)[] = [];

  const refuse = (message: string, problems: readonly YamlProblem[] = []) => {
    const error = { file: path, message, problems, at: Date.now() };
    lastError = error;
    opts.log.warn('policy change refused; the last good policy stays in force', { file: path, error: message });
    for (const listener of errorListeners) listener(error);
  };

  const apply = (next: ActivePolicy, text: string) => {
    policy = next;
    appliedText = text;
    lastError = null;
    opts.log.info('policy applied', { file: path, org: next.bundle?.org, version: next.bundle?.version });
    for (const listener of listeners) {
      try {
        listener(next);
      } catch (err) {
        opts.log.error('a policy change listener failed', { err: (err as Error).message });
      }
    }
  };

  // A reload that an event after it has superseded is dropped: its read may predate the newest write.
  let generation = 0;
  const reload = async () => {
    const mine = ++generation;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
      if (mine !== generation) return;
    } catch (err) {
      if (mine !== generation) return;
      // A save by delete-and-create passes through a missing file; its create event reloads.
      refuse(`${path}: cannot read the policy file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
      return;
    }
    if (closed) return;
    if (text === appliedText) {
      if (lastError !== null) {
        lastError = null;
        for (const listener of errorListeners) listener(null);
      }
      return;
    }
    let next: ActivePolicy;
    try {
      next = activePolicy(withTiers(parsePolicyText(text, path), tierNames, path), tierNames, 'file', path);
    } catch (err) {
      refuse((err as Error).message, err instanceof ConfigError ? err.problems : []);
      return;
    }
    apply(next, text);
  };

  const watcher: FSWatcher = watch(dirname(path), { persistent: false }, (_event, name) => {
    if (closed || (name !== null && name !== basename(path))) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void reload();
    }, debounceMs);
  });
  watcher.on('error', (err) => opts.log.error('cannot watch the policy file any more; restart the gateway to pick up edits', { file: path, err: err.message }));

  return {
    current: () => policy,
    onChange: (listener) => void listeners.push(listener),
    lastError: () => lastError,
    onLastError: (listener) => void errorListeners.push(listener),
    close: () => {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      watcher.close();
    },
  };
}

/** The bundle, if it has every tier the gateway evaluates; else an error naming what is missing and what there is. */
function withTiers(bundle: PolicyBundle, tiers: readonly string[], file: string): PolicyBundle {
  const missing = tiers.filter((t) => !(t in bundle.tiers));
  if (missing.length === 0) return bundle;
  throw new Error(
    `${file} has no tier ${missing.map((t) => `"${t}"`).join(', ')} (it has ${Object.keys(bundle.tiers).join(', ')}): name existing tiers under tiers: in the config, or add them to the policy.`,
  );
}
