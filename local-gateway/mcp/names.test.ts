import { describe, expect, it } from 'vitest';
import { exposeTools, MAX_TOOL_NAME } from './names.js';

describe('exposed tool names', () => {
  it('are <server>_<tool>, or the tool’s own for a server with prefix: false', () => {
    expect(exposeTools([{ server: 'files', tool: 'read' }, { server: 'ref', tool: 'test_simple_text', prefix: false }]).map((r) => r.exposed)).toEqual(['files_read', 'test_simple_text']);
  });

  it('cut and hash a bare name that another tool also takes, the same way across listings', () => {
    const routes = exposeTools([{ server: 'files', tool: 'read' }, { server: 'a', tool: 'files_read', prefix: false }]);
    expect(routes[0]!.exposed).not.toBe(routes[1]!.exposed);
    expect(routes.every((r) => /^files_read_[0-9a-f]{6}$/.test(r.exposed))).toBe(true);
    expect(exposeTools([{ server: 'a', tool: 'files_read', prefix: false }, { server: 'files', tool: 'read' }]).map((r) => r.exposed).sort()).toEqual(routes.map((r) => r.exposed).sort());
    expect(routes[1]).toEqual({ exposed: routes[1]!.exposed, server: 'a', tool: 'files_read' });
  });

  it('keep a long bare name within what Claude Code accepts', () => {
    const [r] = exposeTools([{ server: 'a', tool: 'x'.repeat(80), prefix: false }]);
    expect(r!.exposed.length).toBeLessThanOrEqual(MAX_TOOL_NAME);
  });
});
