import { z } from 'zod';
import type { GuardrailFinding, GuardrailType } from '../../policy/engine/guardrails.js';

/**
 * `sql`: a tool argument that holds a query must be one read-only statement. Comments and
 * quoted text are blanked first (a `;` or `DROP` inside a string literal is data), then the
 * statement must start with a read-only keyword, name no writing keyword anywhere (a CTE can
 * hide a `DELETE … RETURNING`), and end at its first `;`.
 */
const SqlConfig = z.strictObject({
  arguments: z.array(z.string().min(1)).default(['query', 'sql', 'statement']).describe('Argument names (or dotted paths) that hold SQL; the last part of a path is compared.'),
  allow: z.array(z.string().regex(/^[a-z]+$/, 'a lower-case SQL keyword')).default(['select', 'with', 'explain', 'show', 'describe', 'values']).describe('Keywords a statement may start with.'),
});

const WRITES = /\b(insert|update|delete|merge|upsert|drop|create|alter|truncate|grant|revoke|attach|detach|copy|call|exec|execute|vacuum|reindex|pragma|into)\b/i;

/** The statement with comments and quoted text blanked to spaces, so offsets stay those of the original. */
export function blankLiterals(sql: string): string {
  return sql.replace(/--[^\n]*|\/\*[\s\S]*?(\*\/|$)|'(?:[^']|'')*('|$)|"(?:[^"]|"")*("|$)|`[^`]*(`|$)|\$\$[\s\S]*?(\$\$|$)/g, (m) => ' '.repeat(m.length));
}

export function sqlFindings(sql: string, allow: readonly string[], text: number): GuardrailFinding[] {
  const bare = blankLiterals(sql);
  const found: GuardrailFinding[] = [];
  const semi = bare.indexOf(';');
  if (semi !== -1 && bare.slice(semi + 1).trim() !== '') found.push({ type: 'stacked_query', text, start: semi, end: sql.length });
  const head = /^\s*\(*\s*([A-Za-z]+)/.exec(bare);
  if (head && !allow.includes(head[1]!.toLowerCase())) found.push({ type: 'write_statement', text, start: head.index, end: head.index + head[0].length });
  const write = WRITES.exec(bare);
  if (write && (!head || allow.includes(head[1]!.toLowerCase()))) found.push({ type: 'write_statement', text, start: write.index, end: write.index + write[0].length });
  return found;
}

export const SQL: GuardrailType<z.infer<typeof SqlConfig>> = {
  config: SqlConfig,
  hooks: ['mcp_pre_tool'],
  create(config) {
    const names = new Set(config.arguments);
    return {
      scan(texts, subject) {
        if (!subject) return [];
        return texts.flatMap((t, i) => {
          const path = subject.paths[i] ?? '';
          const last = path.split('.').filter((p) => !/^\d+$/.test(p)).pop() ?? '';
          return names.has(path) || names.has(last) ? sqlFindings(t, config.allow, i) : [];
        });
      },
      redact: (texts) => [...texts],
    };
  },
};
