/**
 * Node's `fs` with Node 22's `globSync(pattern, { cwd, exclude })` added, for Node 20 (see
 * node20-glob.mjs). Like Node's: paths relative to `cwd`, directories matched as well as files
 * (without a trailing slash), a pattern naming a directory not expanded into its contents,
 * dot files matched only by a pattern that names the dot.
 */
import { sep } from 'node:path';
import { globSync as tinyGlobSync } from 'tinyglobby';

export * from 'node:fs';
export { default } from 'node:fs';

export function globSync(pattern, options = {}) {
  if (options.withFileTypes) throw new TypeError('globSync({ withFileTypes }) is not provided by the Node 20 shim (scripts/mcp-conformance/fs-with-glob.mjs)');
  const exclude = options.exclude;
  const found = tinyGlobSync(pattern, {
    cwd: options.cwd === undefined ? process.cwd() : String(options.cwd),
    ignore: Array.isArray(exclude) ? exclude : [],
    onlyFiles: false,
    expandDirectories: false,
  }).map((p) => (p.endsWith('/') ? p.slice(0, -1) : p).split('/').join(sep));
  return typeof exclude === 'function' ? found.filter((p) => !exclude(p)) : found;
}
