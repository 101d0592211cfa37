import { z } from 'zod';

/** A JSON Schema node as zod's `toJSONSchema` writes it: only the parts a reference table shows. */
interface Node {
  type?: string | string[];
  properties?: Record<string, Node>;
  required?: string[];
  items?: Node;
  additionalProperties?: Node | boolean;
  oneOf?: Node[];
  anyOf?: Node[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  minItems?: number;
  description?: string;
}

interface Row {
  path: string;
  what: string;
  type: string;
  required: boolean;
  default: string;
}

const code = (s: string) => `\`${s.replace(/\|/g, '\\|')}\``;

function typeText(n: Node): string {
  if (n.const !== undefined) return code(JSON.stringify(n.const));
  if (n.enum) return n.enum.map((v) => code(JSON.stringify(v))).join(', ');
  const alts = n.oneOf ?? n.anyOf;
  if (alts) return alts.map(typeText).join(' or ');
  let t = Array.isArray(n.type) ? n.type.join(' or ') : (n.type ?? 'any');
  if (t === 'array') t = `list of ${n.items ? typeText(n.items) : 'any'}`;
  if (t === 'object') t = typeof n.additionalProperties === 'object' ? `mapping to ${typeText(n.additionalProperties)}` : 'mapping';
  if (t === 'integer' || t === 'number') {
    const lo = n.exclusiveMinimum !== undefined ? `> ${n.exclusiveMinimum}` : n.minimum !== undefined && n.minimum > Number.MIN_SAFE_INTEGER ? `≥ ${n.minimum}` : '';
    // zod's .int() writes the safe-integer bounds, which say nothing to a reader.
    const hi = n.exclusiveMaximum !== undefined ? `< ${n.exclusiveMaximum}` : n.maximum !== undefined && n.maximum < Number.MAX_SAFE_INTEGER ? `≤ ${n.maximum}` : '';
    if (lo || hi) t += ` (${[lo, hi].filter(Boolean).join(', ')})`;
  }
  if (n.format) t += ` (${n.format})`;
  // A format (date-time, uri) says what its generated pattern spells out.
  if (n.pattern && !n.format) t += `, matching ${code(n.pattern)}`;
  return t;
}

/** Of a union, the literal field that tells its object options apart (a provider's `kind`). */
function discriminator(options: Node[]): string | null {
  const first = options[0]?.properties ?? {};
  return Object.keys(first).find((k) => options.every((o) => o.properties?.[k]?.const !== undefined)) ?? null;
}

function walk(n: Node, path: string, required: boolean, rows: Row[]): void {
  const alts = n.oneOf ?? n.anyOf;
  const key = alts ? discriminator(alts) : null;
  if (alts && key) {
    rows.push({ path, what: n.description ?? '', type: `one of the ${code(key)} forms below`, required, default: '' });
    for (const o of alts) walk({ ...o, default: undefined }, `${path} (${key}: ${String(o.properties![key]!.const)})`, required, rows);
    return;
  }
  if (n.type === 'object' && n.properties) {
    if (path) rows.push({ path, what: n.description ?? '', type: 'mapping', required, default: n.default === undefined ? '' : code(JSON.stringify(n.default)) });
    for (const [k, child] of Object.entries(n.properties)) walk(child, path ? `${path}.${k}` : k, (n.required ?? []).includes(k), rows);
    return;
  }
  if (n.type === 'object' && typeof n.additionalProperties === 'object' && (n.additionalProperties.properties || n.additionalProperties.oneOf)) {
    rows.push({ path, what: n.description ?? '', type: 'mapping of names to the entries below', required, default: n.default === undefined ? '' : code(JSON.stringify(n.default)) });
    walk(n.additionalProperties, `${path}.<name>`, true, rows);
    return;
  }
  if (n.type === 'array' && n.items && (n.items.properties || n.items.oneOf)) {
    rows.push({ path, what: n.description ?? '', type: 'list of the entries below', required, default: n.default === undefined ? '' : code(JSON.stringify(n.default)) });
    walk(n.items, `${path}[]`, true, rows);
    return;
  }
  rows.push({ path, what: n.description ?? '', type: typeText(n), required, default: n.default === undefined ? '' : code(JSON.stringify(n.default)) });
}

/** A markdown table of every field of a zod schema: path, type, whether required, default. */
export function schemaTable(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Node;
  const rows: Row[] = [];
  walk(json, '', true, rows);
  // The "what" column appears only where the schema describes its fields (`.describe()`).
  const described = rows.some((r) => r.what);
  const lines = described ? ['| field | what | type | required | default |', '|---|---|---|---|---|'] : ['| field | type | required | default |', '|---|---|---|---|'];
  for (const r of rows) {
    const cells = [code(r.path || '(top level)'), ...(described ? [r.what.replace(/\|/g, '\\|')] : []), r.type, r.required && !r.default ? 'yes' : '', r.default];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
