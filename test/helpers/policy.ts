import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_TOKEN, type TestGateway } from './gateway.js';

/** Writes a policy bundle to a temp file and returns its path. */
export function writePolicy(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gatehouse-policy-')), 'policy.yaml');
  writeFileSync(file, yaml);
  return file;
}

export interface ChatResult {
  status: number;
  headers: Headers;
  json: { choices?: { message: { content: string } }[]; error?: { code: string; message: string; type: string } };
}

/** One chat completion with fetch, so refusals and headers are read exactly as sent. */
export async function chat(gw: TestGateway, content: string, opts: { model?: string; metadata?: Record<string, string> } = {}): Promise<ChatResult> {
  const headers: Record<string, string> = { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' };
  if (opts.metadata) headers['x-gatehouse-metadata'] = JSON.stringify(opts.metadata);
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ model: opts.model ?? 'up/gpt-4o-mini', messages: [{ role: 'user', content }] }),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as ChatResult['json'] };
}
