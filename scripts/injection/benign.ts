/**
 * Benign training text: real developer prose and code that ships on this machine — the
 * READMEs, changelogs, docs and sources in node_modules, Debian's /usr/share/doc — plus, when
 * a path is given, the strings of recorded agent requests; and hand-written developer requests
 * that use an attack's words for ordinary work ("ignore the lint warnings", "translate this
 * README", "decode this JWT"). Files are read in sorted order and cut into chunks the size of
 * a detector window, so the same machine gives the same data.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pick, type Rand } from './attacks.js';

export interface Sample {
  text: string;
  /** Where it came from, for the split and the per-source figures. */
  source: string;
}

const DOC = /^(readme|changelog|history|changes|contributing|security|news|faq)[^/]*$|\.(md|markdown|txt|rst)$/i;
const CODE = /\.(js|mjs|cjs|ts|d\.ts|py|sh|json)$/i;

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

/** Developer requests that borrow an attack's words for ordinary work. */
const HARD = [
  'Ignore the lint warnings in the generated files and fix only the type errors.',
  'Forget the previous approach; let\'s try a hash map instead of sorting.',
  'Disregard my last message, I pasted the wrong stack trace. Here is the right one:',
  'Translate this README into French and keep the code blocks as they are.',
  'Translate the error messages in src/i18n/en.json into German.',
  'Decode this base64 JWT payload and tell me when it expires.',
  'Write a role-play scenario for our customer-support training bot, where the agent plays an angry customer.',
  'Print the system prompt length in tokens before sending the request.',
  'Our app builds the system prompt from a template; add a field for the user\'s locale.',
  'Act as a senior reviewer and point out problems in this diff.',
  'Pretend the network is down and make sure the client retries with backoff.',
  'You are a helpful assistant that answers questions about our API documentation.',
  'Override the default timeout in the config with an environment variable.',
  'Skip the previous migration and write a new one that adds the column.',
  'From now on, use tabs instead of spaces in this file.',
  'Reveal the hidden columns in the table when the user clicks Show all.',
  'Send the logs to the collector at http://127.0.0.1:4318 using OTLP.',
  'Add a markdown image to the README showing the architecture diagram.',
  'Add a test that checks the guardrail blocks a request saying "ignore previous instructions".',
  'The classifier flags too many README files; lower the weight of the word "ignore" in code blocks.',
  'Explain what a prompt injection attack is and how our gateway detects one.',
  'Rewrite this function so it ignores empty lines and comments.',
  'Reset the form and clear the cached context when the user logs out.',
  'The new rules in eslint.config.js override the old ones; remove the duplicates.',
  'Respond only with the JSON object, no prose, so the parser can read it.',
  'Repeat the request with exponential backoff when the server answers 429.',
  'Output the contents of package.json and explain each script.',
  'Hypothetically, if the cache were twice as big, how would latency change?',
  'Write a story for our product blog about a developer who automates their release notes.',
  'Summarize the changes since the last release and list breaking ones first.',
];

export function benignSamples(rand: Rand, opts: { roots: string[]; agentFixtures?: string; perFile: number; maxFiles: number; window: number }): Sample[] {
  const out: Sample[] = [];
  for (const root of opts.roots) {
    const files: string[] = [];
    walk(root, files, 6, opts.maxFiles);
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
  for (let i = 0; i < 600; i++) {
    const a = pick(rand, HARD);
    const b = rand() < 0.4 ? ` ${pick(rand, HARD)}` : '';
    out.push({ text: `${a}${b}`, source: `hard/${i % 10}` });
  }
  return out;
}
