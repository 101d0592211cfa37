/** A fenced code block of a markdown file: its language, whether it is marked `runnable`, its text. */
export interface FencedBlock {
  lang: string;
  runnable: boolean;
  text: string;
  /** The line its fence opens on, to name in a failure. */
  line: number;
}

export function fencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && !lines[i]!.startsWith('```')) body.push(lines[i]!);
    blocks.push({ lang: open[1]!, runnable: open[2]!.split(/\s+/).includes('runnable'), text: body.join('\n'), line: start + 1 });
  }
  return blocks;
}

/**
 * One bash script of the runnable blocks, in order, so what one block exports the next sees
 * (as a reader typing them into one shell). Each block's output follows a marker line; a
 * `ts` block runs as an ES module from the checkout, so its imports resolve as a reader's would.
 */
export function scriptOf(blocks: FencedBlock[], origin: string): string {
  const parts = ['set -euo pipefail'];
  blocks.forEach((b, n) => {
    // The README's examples name the default port; the test's gateway runs on an ephemeral one.
    const text = b.text.replaceAll('http://127.0.0.1:4141', origin);
    parts.push(`echo '::block ${n}::'`);
    if (b.lang === 'sh') parts.push(text);
    else parts.push(`node --input-type=module <<'GATEHOUSE_TS_BLOCK'\n${text}\nGATEHOUSE_TS_BLOCK`);
    parts.push('echo');
  });
  return `${parts.join('\n')}\n`;
}

/** The script's stdout cut back into each block's own output. */
export function outputsOf(stdout: string, count: number): string[] {
  return Array.from({ length: count }, (_, n) => {
    const from = stdout.indexOf(`::block ${n}::\n`);
    const to = stdout.indexOf(`::block ${n + 1}::\n`);
    return from < 0 ? '' : stdout.slice(from + `::block ${n}::\n`.length, to < 0 ? undefined : to);
  });
}

/**
 * A stand-in for `curl` where none is installed (slim CI images): the few flags the README
 * uses (-H, -d, -X, -s), through Node's fetch, so the examples run as written without a new
 * dependency. Where curl exists the test uses the real one.
 */
export const CURL_SHIM = `#!/usr/bin/env node
const args = process.argv.slice(2); const headers = {}; let body; let method; let url;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '-H') { const h = args[++i]; const k = h.indexOf(':'); headers[h.slice(0, k).trim()] = h.slice(k + 1).trim(); }
  else if (a === '-d' || a === '--data') body = args[++i];
  else if (a === '-X') method = args[++i];
  else if (a === '-s' || a === '-sS') continue;
  else url = a;
}
if (body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/x-www-form-urlencoded';
const res = await fetch(url, { method: method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
process.stdout.write(await res.text());
`;
