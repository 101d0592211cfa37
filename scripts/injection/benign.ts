/**
 * Benign training text: real developer prose and code — the READMEs, changelogs, docs and
 * sources of the packages in node_modules that benign-sources.txt.gz lists (sources.ts), and
 * on request Debian's /usr/share/doc — plus, when a path is given, the strings of recorded
 * agent requests; and generated hard benign text (hard-benign.ts) that uses an attack's words
 * for ordinary work. Files are read in the given order and cut into chunks the size of a
 * detector window, so the same files give the same data.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hardBenign } from './hard-benign.js';
import type { Rand } from './lexicon.js';
import { readText, spread, walk } from './sources.js';

export interface Sample {
  text: string;
  /** Where it came from, for the split and the per-source figures. */
  source: string;
}

/** A file to cut into benign chunks, and the source it is counted under for the split (its path, relative where it is the repository's). */
export interface TextFile {
  path: string;
  source: string;
}

/**
 * Debian's documentation (/usr/share/doc), opt-in: it holds what the machine's apt packages
 * brought, so weights trained with it differ from one machine to the next.
 */
export function systemDocFiles(maxFiles: number): TextFile[] {
  const all: string[] = [];
  walk('/usr/share/doc', all, 8, 400_000);
  return spread(all, maxFiles).map((f) => ({ path: f, source: f }));
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

/** The benign samples: chunks of `files` in their order, of the agent fixtures' strings, then generated hard benign text. */
export function benignSamples(rand: Rand, opts: { files: readonly TextFile[]; agentFixtures?: string; perFile: number; window: number; hard: number }): Sample[] {
  const out: Sample[] = [];
  for (const f of opts.files) {
    const text = readText(f.path);
    if (text) for (const c of chunks(rand, text, opts.perFile, opts.window)) out.push({ text: c, source: f.source });
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
