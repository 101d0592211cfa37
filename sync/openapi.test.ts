import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPENAPI_FILE, openApiText } from './openapi-write.js';
import { PATHS } from './protocol.js';

describe('the sync OpenAPI document', () => {
  it('is the one the schemas generate (run `npm run docs:openapi` after changing sync/protocol.ts)', () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(openApiText());
  });

  it('describes every path of the protocol, with its request and answer schemas', () => {
    const doc = JSON.parse(openApiText()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>>; components: { schemas: Record<string, { properties?: Record<string, unknown> }> } };
    for (const path of Object.values(PATHS)) expect(Object.keys(doc.paths)).toContain(path.replace(/:(\w+)/g, '{$1}'));
    expect(doc.paths['/v1/fleet/policy']!.get!.responses['304']).toBeDefined();
    expect(Object.keys(doc.components.schemas.SyncRecord!.properties!)).toEqual(expect.arrayContaining(['record_id', 'seq', 'trace_id', 'usage', 'verdicts']));
  });
});
