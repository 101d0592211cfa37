import { createHash } from 'node:crypto';

/**
 * Claude Code names a tool `mcp__<server>__<tool>` and refuses names past 64 characters; with
 * the gateway installed as `gatehouse` that leaves 48 for `<server id>_<tool>`.
 */
export const CLIENT_PREFIX = 'mcp__gatehouse__';
export const MAX_TOOL_NAME = 64 - CLIENT_PREFIX.length;

/** A tool of an upstream server, as the gateway exposes it. */
export interface ToolRoute {
  /** The name clients call, `<server id>_<tool>` or its shortened form. */
  exposed: string;
  server: string;
  /** The upstream's own name for the tool. */
  tool: string;
}

/** Model APIs take tool names of letters, digits, `_` and `-` only. */
const sanitize = (name: string) => name.replace(/[^A-Za-z0-9_-]/g, '_');

const suffix = (server: string, tool: string) => createHash('sha256').update(`${server}\u0000${tool}`).digest('hex').slice(0, 6);

/**
 * Exposed names for every upstream tool. A name that fits and is unique is `<server>_<tool>`
 * (or the tool's own, for a server with `prefix: false`); one that is too long, or that two
 * tools would share once sanitized, is cut and given a hash of its server and tool, so it
 * stays the same whatever else the servers list.
 */
export function exposeTools(tools: readonly { server: string; tool: string; prefix?: boolean }[]): ToolRoute[] {
  const base = tools.map((t) => (t.prefix === false ? sanitize(t.tool) : `${t.server}_${sanitize(t.tool)}`));
  const count = new Map<string, number>();
  for (const b of base) count.set(b, (count.get(b) ?? 0) + 1);
  return tools.map((t, i) => {
    const b = base[i]!;
    if (b.length <= MAX_TOOL_NAME && count.get(b) === 1) return { exposed: b, server: t.server, tool: t.tool };
    const tag = suffix(t.server, t.tool);
    return { exposed: `${b.slice(0, MAX_TOOL_NAME - tag.length - 1)}_${tag}`, server: t.server, tool: t.tool };
  });
}
