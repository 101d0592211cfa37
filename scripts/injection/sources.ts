/**
 * The committed list of benign source files (benign-sources.txt.gz): which files of
 * node_modules the training reads, in order, each with a hash of its content, so that a clean
 * clone after `npm ci` reads the same bytes as the machine that trained the weights.
 *
 * The list holds only what `npm ci` from the committed lockfile puts in node_modules byte for
 * byte on any machine: files of the packages' registry tarballs. Left out are npm's own files
 * and tools' caches, packages the lockfile does not name, optional packages (the
 * platform-specific ones are installed on one platform only), native build outputs, and what
 * an install script may write over (a package's bin/ and extensionless files).
 *
 * A line is `<hash>  <path inside node_modules>`; the hash is the first 128 bits of the
 * file's sha256 in hex, enough to tell a changed file and half the size of the whole digest
 * (12,000 full digests alone would be 380 KB, as they do not compress).
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';

export const SOURCES_FILE = 'scripts/injection/benign-sources.txt.gz';
export const REGENERATE = 'npm run train:injection -- --write-sources';

/** A file to read, by its path inside node_modules. */
export interface Source {
  path: string;
  /** The first 32 hex digits of the sha256 of its content. */
  hash: string;
}

export class BenignSourcesError extends Error {
  readonly code = 'GH_TRAIN_BENIGN_SOURCES';
  constructor(message: string) {
    super(message);
    this.name = 'BenignSourcesError';
  }
}

const DOC = /^(readme|changelog|history|changes|contributing|security|news|faq)[^/]*$|\.(md|markdown|txt|rst)$/i;
const CODE = /\.(js|mjs|cjs|ts|d\.ts|py|sh|json|html?|ya?ml|toml|xml|css|go|rs|java|c|h|rb|sql|conf|ini|cfg|log|csv)$/i;
// Tools' caches (node_modules/.vite holds vitest's last results) change whenever tests run.
const CACHES = new Set(['.vite', '.vite-temp', '.cache']);
// What node-gyp and prebuild write into a package: outputs with this machine's paths and compiler.
const BUILT_DIRS = new Set(['build', 'prebuilds']);
const BUILT_FILE = /\.node$|^config\.gypi$/;

const textName = (name: string) => DOC.test(name) || CODE.test(name) || name.endsWith('.gz') || !name.includes('.');

/**
 * Text-like files under `dir` in sorted order, at most `depth` directories down: the walk
 * the training has always made (200 bytes to 2 MB, documentation and source by name).
 * Symbolic links are not followed: node_modules/.bin holds links to files read already.
 */
export function walk(dir: string, out: string[], depth: number, limit: number): void {
  if (depth < 0 || out.length >= limit) return;
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    if (out.length >= limit) return;
    if (CACHES.has(name)) continue;
    const path = join(dir, name);
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (st.isDirectory()) walk(path, out, depth - 1, limit);
    else if (st.isFile() && st.size > 200 && st.size < 2_000_000 && textName(name)) out.push(path);
  }
}

/** A file's text, or null for binary files and minified bundles, which are not text a developer sends. */
export function readText(path: string): string | null {
  try {
    const buf = path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path);
    const text = buf.toString('utf8');
    if (text.includes('\u0000') || text.includes('\ufffd')) return null;
    return text;
  } catch {
    return null;
  }
}

/** `count` of `files` spread over every package rather than the first in sorted order: ranked by a hash of the path, then sorted. */
export function spread(files: readonly string[], count: number, key: (f: string) => string = (f) => f): string[] {
  const rank = (f: string) => createHash('sha1').update(key(f)).digest().readUInt32BE(0);
  return files
    .map((f) => [rank(f), f] as const)
    .sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : 1))
    .slice(0, count)
    .map(([, f]) => f)
    .sort();
}

const Lockfile = z.object({
  packages: z.record(z.string(), z.object({ optional: z.boolean().optional(), hasInstallScript: z.boolean().optional(), link: z.boolean().optional() })),
});

/** The package directory a path under node_modules belongs to (`node_modules/a/node_modules/@s/b`), or null for npm's and tools' own files. */
export function packageOf(path: string): string | null {
  const parts = path.split('/');
  let end = -1;
  for (let i = 0; i < parts.length - 1; i++) {
    if (parts[i] !== 'node_modules') continue;
    // npm's and tools' own entries (.bin, .package-lock.json, .cache) are no package's.
    if (parts[i + 1]!.startsWith('.')) return null;
    const last = i + (parts[i + 1]!.startsWith('@') ? 2 : 1);
    // A file directly in node_modules (or in a scope's directory) is no package's either.
    if (last >= parts.length - 1) return null;
    end = last;
    i = last;
  }
  return end < 0 ? null : parts.slice(0, end + 1).join('/');
}

/** Whether a file `npm ci` installs is one of its package's tarball's, the same on every machine. */
export function fromTarball(path: string, packages: z.infer<typeof Lockfile>['packages']): boolean {
  const pkg = packageOf(path);
  if (pkg === null) return false;
  const entry = packages[pkg];
  if (!entry || entry.optional || entry.link) return false;
  const inside = path.slice(pkg.length + 1).split('/');
  const name = inside[inside.length - 1]!;
  // Directories of a nested package that the lockfile does not name are another package's, already ruled out by packageOf.
  if (inside.slice(0, -1).some((d) => BUILT_DIRS.has(d)) || BUILT_FILE.test(name)) return false;
  // An install script may copy a platform's binary over a placeholder (esbuild's bin/esbuild, claude-code's bin/).
  if (entry.hasInstallScript && (inside[0] === 'bin' || !name.includes('.'))) return false;
  return true;
}

export const contentHash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 32);

/**
 * The benign sources of the current node_modules under `root`: every tarball file of the
 * walk that reads as text, `maxFiles` of them spread by a hash of their path.
 */
export function selectSources(root: string, maxFiles: number): Source[] {
  const lock = Lockfile.parse(JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')));
  const modules = join(root, 'node_modules');
  const all: string[] = [];
  walk(modules, all, 8, 400_000);
  const inside = all.map((f) => f.slice(modules.length + 1).split('\\').join('/'));
  const candidates = inside.filter((p) => !/[\n\r]/.test(p) && fromTarball(`node_modules/${p}`, lock.packages) && readText(join(modules, p)) !== null);
  return spread(candidates, maxFiles).map((path) => ({ path, hash: contentHash(join(modules, path)) }));
}

export function writeSources(file: string, sources: readonly Source[]): void {
  const text = sources.map((s) => `${s.hash}  ${s.path}\n`).join('');
  writeFileSync(file, gzipSync(text, { level: 9 }));
}

export function readSources(file: string): Source[] {
  if (!existsSync(file)) throw new BenignSourcesError(`${file} is missing: write it with \`${REGENERATE}\``);
  return gunzipSync(readFileSync(file))
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l, i) => {
      const m = /^([0-9a-f]{32}) {2}(.+)$/.exec(l);
      if (!m) throw new BenignSourcesError(`${file}, line ${i + 1}: expected "<hash>  <path inside node_modules>"`);
      return { hash: m[1]!, path: m[2]! };
    });
}

/** Stops, naming the first few, unless every listed file is under `root` with its listed content. */
export function verifySources(root: string, sources: readonly Source[]): void {
  const bad: string[] = [];
  for (const s of sources) {
    const path = join(root, 'node_modules', s.path);
    if (!existsSync(path)) bad.push(`${s.path} (missing)`);
    else if (contentHash(path) !== s.hash) bad.push(`${s.path} (content differs)`);
  }
  if (bad.length === 0) return;
  throw new BenignSourcesError(
    `${bad.length} of the ${sources.length} benign source files listed in ${SOURCES_FILE} are missing or differ, first: ${bad.slice(0, 5).join(', ')}. ` +
      `Install the lockfile's packages (\`npm ci\`), or, if the lockfile changed, rewrite the list with \`${REGENERATE}\` and commit it with the weights it trains.`,
  );
}
