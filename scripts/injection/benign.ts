/**
 * Benign training text: real developer prose and code that ships on this machine — the
 * READMEs, changelogs, docs and sources in node_modules, Debian's /usr/share/doc — plus, when
 * a path is given, the strings of recorded agent requests; and generated hard benign text
 * (hard-benign.ts) that uses an attack's words for ordinary work. Files are read in sorted order and cut into chunks the size of
 * a detector window, so the same machine gives the same data.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { hardBenign } from './hard-benign.js';
import type { Rand } from './lexicon.js';

export interface Sample {
  text: string;
  /** Where it came from, for the split and the per-source figures. */
  source: string;
}

const DOC = /^(readme|changelog|history|changes|contributing|security|news|faq)[^/]*$|\.(md|markdown|txt|rst)$/i;
const CODE = /\.(js|mjs|cjs|ts|d\.ts|py|sh|json|html?|ya?ml|toml|xml|css|go|rs|java|c|h|rb|sql|conf|ini|cfg|log|csv)$/i;

const CACHES = new Set(['.vite', '.vite-temp', '.cache']);

function walk(dir: string, out: string[], depth: number, limit: number): void {
  if (depth < 0 || out.length >= limit) return;
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    if (out.length >= limit) return;
    // Tools' caches (node_modules/.vite holds vitest's last results) change whenever tests run:
    // read, they make two trainings of the same commit differ.
    if (CACHES.has(name)) continue;
    const path = join(dir, name);
    let st;
    try {
      st = statSync(path);
    } catch {
      continue;
    }
    if (st.isDirectory()) walk(path, out, depth - 1, limit);
    else if (st.size > 200 && st.size < 2_000_000 && (DOC.test(name) || CODE.test(name) || name.endsWith('.gz') || !name.includes('.'))) out.push(path);
  }
}

function readText(path: string): string | null {
  try {
    const buf = path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path);
    const text = buf.toString('utf8');
    // Binary files and minified bundles are not text a developer sends.
    if (text.includes('\u0000') || text.includes('\ufffd')) return null;
    return text;
  } catch {
    return null;
  }
}

/** Chunks of a text on line boundaries, 60–WINDOW characters each, at most `max`. */
function chunks(rand: Rand, text: string, max: number, window: number): string[] {
  const out: string[] = [];
  const lines = text.split('\n');
  let i = Math.floor(rand() * Math.min(lines.length, 50));
  while (i < lines.length && out.length < max) {
    const want = 60 + Math.floor(rand() * (window - 60));
    let s = '';
    while (i < lines.length && s.length < want) s += `${lines[i++]}\n`;
    s = s.slice(0, window).trim();
    if (s.length >= 40) out.push(s);
    i += Math.floor(rand() * 40);
  }
  return out;
}

export function benignSamples(rand: Rand, opts: { roots: string[]; agentFixtures?: string; perFile: number; maxFiles: number; window: number; hard: number }): Sample[] {
  const out: Sample[] = [];
  for (const root of opts.roots) {
    const all: string[] = [];
    walk(root, all, 8, 400_000);
    // A spread over every package, not the first ones in sorted order: files ranked by a hash of their path.
    const rank = (f: string) => createHash('sha1').update(f).digest().readUInt32BE(0);
    const files = all.map((f) => [rank(f), f] as const).sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : 1)).slice(0, opts.maxFiles).map(([, f]) => f).sort();
    for (const f of files) {
      const text = readText(f);
      if (text) for (const c of chunks(rand, text, opts.perFile, opts.window)) out.push({ text: c, source: f });
    }
  }
  if (opts.agentFixtures) {
    let names: string[] = [];
    try {
      names = readdirSync(opts.agentFixtures).filter((n) => n.endsWith('.json')).sort();
    } catch {
      names = [];
    }
    for (const n of names) {
      const strings: string[] = [];
      const visit = (v: unknown): void => {
        if (typeof v === 'string' && v.length >= 40) strings.push(v);
        else if (Array.isArray(v)) v.forEach(visit);
        else if (v && typeof v === 'object') Object.values(v).forEach(visit);
      };
      visit(JSON.parse(readFileSync(join(opts.agentFixtures, n), 'utf8')));
      for (const s of strings) for (const c of chunks(rand, s, 20, opts.window)) out.push({ text: c, source: `fixtures/${n}` });
    }
  }
  const real = out.length;
  for (let i = 0; i < opts.hard; i++) {
    const a = hardBenign(rand, real > 0 ? out[Math.floor(rand() * real)]!.text : undefined);
    // The index in the source spreads every family over the train and validation split.
    const text = rand() < 0.3 ? `${a.text}\n\n${hardBenign(rand).text}` : a.text;
    out.push({ text, source: `${a.source}/${i % 20}` });
  }
  return out;
}
