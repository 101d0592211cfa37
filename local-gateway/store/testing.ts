/** Fixtures for the store's tests and benches (excluded from the product build by tsconfig.build.json). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidv7 } from '../core/ids.js';
import { closeDatabase, openDatabase } from './db.js';
import type { Trace, TraceRecord } from './schema.js';
import { TraceStore } from './traces.js';
import { TraceWriter } from './writer.js';

/** A temporary directory for a test's database file, and a function that removes it. */
export function tempDir(): { dir: string; file: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-store-'));
  return { dir, file: join(dir, 'gatehouse.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A store and its journal writer in a temporary directory. The directory and database are
 * closed by the cleanups pushed onto `cleanups`; closing the writer is the test's to do.
 */
export function storeWithWriter(cleanups: (() => void | Promise<void>)[]) {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const db = openDatabase(t.file);
  cleanups.push(() => closeDatabase(db));
  const store = new TraceStore(db);
  const journal = join(t.dir, 'traces.journal');
  const errors: unknown[] = [];
  const writer = new TraceWriter(store, journal, t.file, (err) => errors.push(err));
  return { ...t, db, store, journal, writer, errors };
}

/** A small chat-completions trace; override any field. */
export function makeTrace(over: Partial<Trace> = {}): Trace {
  const started = over.started_at ?? Date.now();
  return {
    id: uuidv7(started),
    started_at: started,
    ended_at: started + 420,
    duration_ms: 420.5,
    // The stages a chat completion passes, as the pipeline times them (replay reads `metadata` to know the policy ran).
    phases: { authenticate: 0.1, identity: 0.01, metadata: 0.01, model_access: 0.02, budgets: 0.01, rate_limits: 0.01, input_guardrails: 0, route: 0.3, provider_call: 419 },
    caller: { user: 'ada', team: 'platform', agent: 'OpenAI/JS 6.4.0' },
    api: 'openai.chat',
    method: 'POST',
    path: '/v1/chat/completions',
    tier: 'dev',
    requested_model: 'gpt-4o-mini',
    resolved_model: 'openai/gpt-4o-mini',
    provider: 'openai',
    status: 200,
    error_code: null,
    error_message: null,
    stream: false,
    tokens_in: 12,
    tokens_out: 5,
    tokens_cached: null,
    tokens_reasoning: 2,
    cost_usd: 0.0000048,
    metadata: { team: 'platform', ticket_id: 'ENG-1' },
    request_headers: { 'content-type': 'application/json', 'user-agent': 'OpenAI/JS 6.4.0' },
    response_headers: { 'content-type': 'application/json' },
    verdicts: [],
    request_body: {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say hi.' },
      ],
    },
    response_body: {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
    },
    ...over,
  };
}

/** Deterministic filler text of exactly `n` characters, different for each seed. */
export function text(seed: number, n: number): string {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
  let out = `[${seed}]`;
  for (let i = seed; out.length < n; i = (i * 7 + 3) % 1009) out += ` ${words[i % words.length]}${i}`;
  return out.slice(0, n);
}

/** A trace as the pipeline hands it to the writer: bodies as JSON text. */
export function toRecord(trace: Trace): TraceRecord {
  const { request_body, response_body, ...head } = trace;
  return { head, request: JSON.stringify(request_body) ?? 'null', response: JSON.stringify(response_body) ?? 'null' };
}
