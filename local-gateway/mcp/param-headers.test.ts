import { describe, expect, it } from 'vitest';
import { paramHeaderMismatch, paramHeadersRefusal } from './param-headers.js';

const tool = { inputSchema: { type: 'object' as const, properties: { region: { type: 'string', 'x-mcp-header': 'Region' }, limit: { type: 'integer', 'x-mcp-header': 'Limit' }, opts: { type: 'object', properties: { dry: { type: 'boolean', 'x-mcp-header': 'Dry' } } } } } };
const h = (o: Record<string, string>) => new Headers(o);
const b64 = (s: string) => `=?base64?${Buffer.from(s).toString('base64')}?=`;

describe('Mcp-Param-* headers against the body (SEP-2243)', () => {
  it('accepts plain and Base64 values that match, integers compared as numbers, nested parameters, and no header for an absent value', () => {
    expect(paramHeaderMismatch(tool, { region: 'eu-west', limit: 42, opts: { dry: true } }, h({ 'Mcp-Param-Region': 'eu-west', 'Mcp-Param-Limit': '42.0', 'Mcp-Param-Dry': 'true' }))).toBeNull();
    expect(paramHeaderMismatch(tool, { region: 'Zürich' }, h({ 'Mcp-Param-Region': b64('Zürich') }))).toBeNull();
    expect(paramHeaderMismatch(tool, {}, h({}))).toBeNull();
  });

  it('refuses a missing header, a mismatch, and Base64 that is not canonical, naming the header', () => {
    expect(paramHeaderMismatch(tool, { region: 'eu' }, h({}))).toMatchObject({ header: 'Mcp-Param-Region', message: expect.stringContaining('is absent') });
    expect(paramHeaderMismatch(tool, { region: 'eu' }, h({ 'Mcp-Param-Region': 'us' }))?.message).toContain('decodes to "us"');
    expect(paramHeaderMismatch(tool, { region: 'Hello' }, h({ 'Mcp-Param-Region': '=?base64?SGVsbG8?=' }))?.message).toContain('invalid Base64');
    expect(paramHeaderMismatch(tool, { region: 'Hello' }, h({ 'Mcp-Param-Region': '=?base64?SGVs!!!bG8=?=' }))?.message).toContain('invalid Base64');
    // Without the wrapper a Base64-looking value is taken literally.
    expect(paramHeaderMismatch(tool, { region: 'SGVsbG8=' }, h({ 'Mcp-Param-Region': 'SGVsbG8=' }))).toBeNull();
  });

  it('answers a refused call with HTTP 400 and -32020, its id kept, and lets other methods and tools through', async () => {
    const headed = (name: string) => Promise.resolve(name === 'geo' ? { name: 'geo', ...tool } : undefined);
    const res = await paramHeadersRefusal({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'geo', arguments: { region: 'eu' } } }, h({}), headed);
    expect(res?.status).toBe(400);
    expect(await res?.json()).toMatchObject({ id: 7, error: { code: -32020, data: { mismatch: { header: 'Mcp-Param-Region' } } } });
    expect(await paramHeadersRefusal({ id: 1, method: 'tools/call', params: { name: 'plain', arguments: { region: 'eu' } } }, h({}), headed)).toBeNull();
    expect(await paramHeadersRefusal({ id: 1, method: 'tools/list' }, h({}), headed)).toBeNull();
  });
});
