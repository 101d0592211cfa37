import type { Tool } from '@modelcontextprotocol/client';

/**
 * SEP-2243 (2026-07-28): a tool may mark a parameter `x-mcp-header: Name`, and a client then
 * mirrors its value into an `Mcp-Param-Name` header (for proxies that route on it), plain or
 * as `=?base64?…?=`. A server MUST check that header against the body. The SDK checks it only
 * for tools it registered itself; `/mcp` exposes its upstreams' tools, so it checks here,
 * against the listed tool's schema, before the call goes anywhere.
 *
 * Same rules as the SDK's own check: a declared parameter with a value in `arguments` needs
 * its header; the header's Base64 must be canonical and UTF-8; integers compare as numbers,
 * the rest as strings; a parameter without a value needs no header.
 */
export interface ParamHeaderMismatch {
  header: string;
  message: string;
}

interface Declaration {
  path: string[];
  header: string;
  type: string | undefined;
}

/** The `x-mcp-header` declarations reachable through `properties` (the only place the spec allows them). */
function declarations(schema: unknown, path: string[] = [], out: Declaration[] = []): Declaration[] {
  if (schema === null || typeof schema !== 'object') return out;
  const s = schema as Record<string, unknown>;
  const name = s['x-mcp-header'];
  if (path.length > 0 && typeof name === 'string' && name.length > 0) out.push({ path, header: name, type: typeof s.type === 'string' ? s.type : undefined });
  if (s.properties && typeof s.properties === 'object') for (const [k, child] of Object.entries(s.properties)) declarations(child, [...path, k], out);
  return out;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** The header's value, decoded from its Base64 form; null when that form is malformed. */
function decode(value: string): string | null {
  if (!(value.startsWith('=?base64?') && value.endsWith('?='))) return value;
  const b64 = value.slice(9, -2);
  if (!BASE64.test(b64)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(b64, 'base64'));
  } catch {
    return null;
  }
}

function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' && Number.isFinite(v) && (!Number.isInteger(v) || Number.isSafeInteger(v))) return String(v);
  return undefined;
}

/** The first disagreement between the tool's declared headers and the call, or null. */
export function paramHeaderMismatch(tool: Pick<Tool, 'inputSchema'>, args: unknown, headers: Headers): ParamHeaderMismatch | null {
  for (const d of declarations(tool.inputSchema)) {
    let body: unknown = args;
    for (const k of d.path) body = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[k] : undefined;
    const text = asText(body);
    if (text === undefined) continue;
    const header = `Mcp-Param-${d.header}`;
    const where = d.path.join('.');
    const sent = headers.get(header);
    if (sent === null) return { header, message: `the body carries ${where}=${JSON.stringify(body)} but the ${header} header is absent` };
    const decoded = decode(sent);
    if (decoded === null) return { header, message: `the ${header} header carries an invalid Base64 value` };
    const same = (d.type === 'integer' || d.type === 'number') && typeof body === 'number' && DECIMAL.test(decoded) ? Number(decoded) === body : decoded === text;
    if (!same) return { header, message: `the ${header} header decodes to ${JSON.stringify(decoded)} but the body carries ${where}=${JSON.stringify(body)}` };
  }
  return null;
}

/**
 * For a 2026-07-28 `tools/call` POST: the 400 with JSON-RPC `-32020` (HeaderMismatch) the
 * spec asks for when its `Mcp-Param-*` headers disagree with its body, or null. `headed`
 * finds a tool that declares such headers (only those are checked).
 */
export async function paramHeadersRefusal(body: unknown, headers: Headers, headed: (name: string) => Promise<Tool | undefined>): Promise<Response | null> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const msg = body as { id?: unknown; method?: unknown; params?: { name?: unknown; arguments?: unknown } };
  if (msg.method !== 'tools/call' || typeof msg.params?.name !== 'string') return null;
  const tool = await headed(msg.params.name);
  const mismatch = tool ? paramHeaderMismatch(tool, msg.params.arguments, headers) : null;
  if (!mismatch) return null;
  const error = { code: -32020, message: `Bad Request: the request headers and body disagree: ${mismatch.message}`, data: { mismatch: { header: mismatch.header, body: mismatch.message } } };
  return Response.json({ jsonrpc: '2.0', id: msg.id ?? null, error }, { status: 400 });
}
