/** A text cell a spreadsheet would run as a formula (OWASP's list: = + - @ tab CR). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell. RFC 4180: a field with a comma, quote or line break is quoted, its quotes
 * doubled. A text field that a spreadsheet would take for a formula gets a leading `'`, which
 * makes it text: metadata values are whatever a client sent (`=HYPERLINK(…)`). Numbers are
 * never touched.
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  const s = typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
