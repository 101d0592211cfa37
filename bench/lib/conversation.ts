/**
 * Storage efficiency: a coding agent resends its whole history every turn, so a store that
 * keeps each request body verbatim grows with the square of the conversation. This plays
 * a 50-turn conversation through Gatehouse and compares the database size with the bytes
 * of unique content it had to keep.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Client } from 'undici';
import { prng } from './code-corpus.js';

export interface Message {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ConversationResult {
  turns: number;
  requestBytes: number;
  uniqueBytes: number;
}

export interface StorageResult {
  storedBytes: number;
  ratio: number;
}

const WORDS = ['buffer', 'config', 'handler', 'index', 'parse', 'render', 'retry', 'session', 'token', 'value', 'window', 'cursor'];
const TYPES = ['string', 'number', 'boolean', 'Uint8Array', 'Map<string, number>', 'Promise<void>'];

/** A code-like user message of 2–4 KB: a question and a TypeScript snippet, unique per turn. */
export function codeMessage(turn: number): string {
  const rand = prng(turn + 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const target = 2048 + Math.floor(rand() * 2048);
  const lines = [`Turn ${turn}: this function fails its test with "expected ${pick(WORDS)}". Can you fix it?`, '```ts'];
  let size = lines.join('\n').length;
  for (let fn = 0; size < target - 40; fn++) {
    const name = `${pick(WORDS)}${pick(WORDS).replace(/^./, (c) => c.toUpperCase())}${turn}_${fn}`;
    const block = [
      `export function ${name}(input: ${pick(TYPES)}, limit = ${Math.floor(rand() * 1000)}): ${pick(TYPES)} {`,
      `  const ${pick(WORDS)} = input.${pick(WORDS)}?.slice(0, limit) ?? ${JSON.stringify(pick(WORDS))};`,
      `  if (${pick(WORDS)}.length > ${Math.floor(rand() * 64)}) throw new Error('${pick(WORDS)} overflow in ${name}');`,
      `  return ${pick(WORDS)}(${pick(WORDS)}, { ${pick(WORDS)}: ${rand() > 0.5}, ${pick(WORDS)}: ${Math.floor(rand() * 1e6)} });`,
      '}',
    ];
    lines.push(...block);
    size += block.join('\n').length + 1;
  }
  lines.push('```');
  return lines.join('\n');
}

/** Plays `turns` turns; each resends all previous messages plus a new user message. */
export async function playConversation(origin: string, headers: Record<string, string>, model: string, turns: number): Promise<ConversationResult> {
  const client = new Client(origin, { pipelining: 1 });
  const history: Message[] = [{ role: 'system', content: 'You are a careful coding assistant. Answer with a patch.' }];
  const unique = new Set<string>();
  let responseBytes = 0;
  let requestBytes = 0;
  try {
    for (let turn = 0; turn < turns; turn++) {
      history.push({ role: 'user', content: codeMessage(turn) });
      const body = JSON.stringify({ model, messages: history });
      requestBytes += Buffer.byteLength(body);
      const res = await client.request({ method: 'POST', path: '/v1/chat/completions', headers, body });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`turn ${turn}: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
      responseBytes += Buffer.byteLength(text);
      const reply = JSON.parse(text) as { choices: { message: { content: string | null } }[] };
      history.push({ role: 'assistant', content: reply.choices[0]?.message.content ?? '' });
    }
  } finally {
    await client.close();
  }
  for (const m of history) unique.add(JSON.stringify(m));
  const messageBytes = [...unique].reduce((n, s) => n + Buffer.byteLength(s), 0);
  return { turns, requestBytes, uniqueBytes: messageBytes + responseBytes };
}

function sizeOr0(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Folds the WAL into the database file, then reports what is on disk. */
export function storedBytes(dbPath: string, uniqueBytes: number): StorageResult {
  const db = new Database(dbPath);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  const stored = sizeOr0(dbPath) + sizeOr0(`${dbPath}-wal`);
  return { storedBytes: stored, ratio: stored / uniqueBytes };
}
