import { z } from 'zod';
import type { GuardrailFinding, GuardrailType } from '../../policy/engine/guardrails.js';

/**
 * `sql`: a tool argument that holds a query must be one read-only statement. Comments, quoted
 * text and quoted identifiers are blanked first (a `;` or `DROP` inside a string literal is
 * data), then the statement must start with a read-only keyword, name no writing keyword
 * anywhere (a CTE can hide a `DELETE … RETURNING`), and end at its first `;`. A writing word
 * used as a name is not a keyword: `c.call`, `logs.copy`, `AS into`.
 */
const SqlConfig = z.strictObject({
  arguments: z.array(z.string().min(1)).default(['query', 'sql', 'statement']).describe('Argument names (or dotted paths) that hold SQL; the last part of a path is compared.'),
  allow: z.array(z.string().regex(/^[a-z]+$/, 'a lower-case SQL keyword')).default(['select', 'with', 'explain', 'show', 'describe', 'values']).describe('Keywords a statement may start with.'),
});

const WRITES = /\b(insert|update|delete|merge|upsert|drop|create|alter|truncate|grant|revoke|attach|detach|copy|call|exec|execute|vacuum|reindex|pragma|into)\b/gi;

/**
 * Comments, then quoted text: standard and `E'…'` (backslash escapes) strings, `"…"`,
 * `` `…` `` and `[…]` identifiers, and dollar quotes with or without a tag (`$fn$ … $fn$`).
 * An `E` or `$` glued to the word before it is part of that word (`LIKE'…'`, `foo$a$`), never
 * an opening: read as one, it would hide a real `;` that follows.
 */
const LITERALS = /--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|(?<![\w$])[eE]'(?:[^'\\]|\\[\s\S]|'')*(?:'|$)|'(?:[^']|'')*(?:'|$)|"(?:[^"]|"")*(?:"|$)|`[^`]*(?:`|$)|(?<![\w\])])\[[^\]]*(?:\]|$)|(?<![\w$])\$([A-Za-z_]\w*)?\$[\s\S]*?(?:\$\1\$|$)/g;

/** The statement with comments and quoted text blanked to spaces, so offsets stay those of the original. */
export function blankLiterals(sql: string): string {
  return sql.replace(LITERALS, (m) => ' '.repeat(m.length));
}

/** Whether the word at `start..end` of the blanked statement is a name, not a keyword: qualified (`t.call`, `copy.x`) or an alias (`AS into`). */
function isName(bare: string, start: number, end: number): boolean {
  return /\.\s*$/.test(bare.slice(0, start)) || /^\s*\./.test(bare.slice(end)) || /\bas\s+$/i.test(bare.slice(Math.max(0, start - 16), start));
}

/** The first writing keyword of a blanked statement, if any. */
function firstWrite(bare: string): RegExpExecArray | null {
  for (const m of bare.matchAll(WRITES)) if (!isName(bare, m.index, m.index + m[0].length)) return m;
  return null;
}

export function sqlFindings(sql: string, allow: readonly string[], text: number): GuardrailFinding[] {
  const bare = blankLiterals(sql);
  const found: GuardrailFinding[] = [];
  const semi = bare.indexOf(';');
  if (semi !== -1 && bare.slice(semi + 1).trim() !== '') found.push({ type: 'stacked_query', text, start: semi, end: sql.length });
  const head = /^\s*\(*\s*([A-Za-z]+)/.exec(bare);
  const first = head?.[1]!.toLowerCase();
  if (head && !allow.includes(first!)) found.push({ type: 'write_statement', text, start: head.index, end: head.index + head[0].length });
  // SHOW only reads, whatever it names (`SHOW CREATE TABLE t`); EXPLAIN ANALYZE runs its statement, so that is checked.
  const write = first === 'show' ? null : firstWrite(bare);
  if (write && (!head || allow.includes(first!))) found.push({ type: 'write_statement', text, start: write.index, end: write.index + write[0].length });
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
