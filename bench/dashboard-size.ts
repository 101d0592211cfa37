/**
 * The dashboard's first-load size: index.html plus the JS and CSS it loads before the first
 * view renders, raw (what the gateway sends over loopback: it does not compress) and gzipped
 * (what the same files would cost over a network). Lazy chunks (the charts) are listed apart.
 * Run after `npm run build` (`npm run bench:dashboard` does both).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const DIR = 'dist/ui';

interface Row {
  file: string;
  raw: number;
  gzip: number;
}

function measure(file: string): Row {
  const bytes = readFileSync(join(DIR, file));
  return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

/** Files index.html names (script src, stylesheet and modulepreload hrefs), in order. */
function firstLoad(html: string): string[] {
  const refs = [...html.matchAll(/(?:src|href)="\/ui\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
  return ['index.html', ...refs];
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

function table(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  for (const r of rows) console.log(`  ${r.file.padEnd(36)} ${kb(r.raw).padStart(11)} ${kb(r.gzip).padStart(11)} gzip`);
  const raw = rows.reduce((s, r) => s + r.raw, 0);
  const gzip = rows.reduce((s, r) => s + r.gzip, 0);
  console.log(`  ${'total'.padEnd(36)} ${kb(raw).padStart(11)} ${kb(gzip).padStart(11)} gzip`);
}

if (!existsSync(join(DIR, 'index.html'))) {
  console.error('No dashboard build in dist/ui: run `npm run build` first.');
  process.exit(1);
}
const first = firstLoad(readFileSync(join(DIR, 'index.html'), 'utf8'));
const lazy = readdirSync(join(DIR, 'assets'))
  .map((f) => `assets/${f}`)
  .filter((f) => !first.includes(f));
table('First load (index + the JS/CSS it names)', first.map(measure));
table('Loaded on demand (first chart: Prod preview, Usage)', lazy.map(measure));
