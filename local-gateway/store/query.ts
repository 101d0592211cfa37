import { GatehouseError } from '../core/errors.js';
import { uuidv7LowerBound } from '../core/ids.js';
import { skeletonRefsSql } from './bodies.js';
import type { TraceQuery } from './schema.js';

/** The FROM, WHERE and ORDER BY of a page query and its positional parameters, built from a trace query's filters. */
export interface Filter {
  /** Identifies the SQL text, so its prepared statement can be reused. */
  key: string;
  from: string;
  where: string;
  order: string;
  params: (string | number)[];
}

/**
 * Parses `since`: Unix milliseconds as digits, or an ISO 8601 date/time. Loose forms that
 * `Date.parse` would guess at ("March 7") are refused so a typo can't silently filter.
 */
export function parseSince(since: string, param = 'since'): number {
  if (/^\d+$/.test(since)) return Number(since);
  const ms = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(since) ? Date.parse(since) : NaN;
  if (Number.isNaN(ms)) {
    throw new GatehouseError('GH_ERR_INVALID_QUERY', `"${param}" must be an ISO 8601 time (2025-01-31T12:00:00Z) or Unix milliseconds, not ${JSON.stringify(since)}.`, { param });
  }
  return ms;
}

/** `%text%` for LIKE, with the LIKE wildcards in the text matched literally. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

// Repeating the partial index's own condition lets SQLite use `traces_failed` for failures.
const FAILED = 't.status >= 400';

function statusClause(status: string): { sql: string; params: number[] } {
  if (status === 'ok') return { sql: 't.status < 400', params: [] };
  if (status === 'error') return { sql: FAILED, params: [] };
  const failed = Number(status[0]) >= 4;
  if (status.endsWith('xx')) {
    const base = Number(status[0]) * 100;
    return { sql: `${failed ? `${FAILED} AND ` : ''}t.status >= ? AND t.status < ?`, params: [base, base + 100] };
  }
  return { sql: `${failed ? `${FAILED} AND ` : ''}t.status = ?`, params: [Number(status)] };
}

/**
 * Free text: the row's own text columns, the small request fields kept inline in its skeleton,
 * and every request blob. The matching blobs are found once per query (the IN subquery is
 * not correlated, so SQLite materialises it), rather than re-reading a conversation's shared
 * history for each of its traces; each trace then only checks its skeleton's ids. LIKE folds
 * ASCII case only.
 */
const TEXT_CLAUSE = `(
  t.error_message LIKE ? ESCAPE '\\' OR t.requested_model LIKE ? ESCAPE '\\'
  OR t.resolved_model LIKE ? ESCAPE '\\' OR t.provider LIKE ? ESCAPE '\\'
  OR t.caller_user LIKE ? ESCAPE '\\' OR json_extract(t.caller, '$.agent') LIKE ? ESCAPE '\\'
  OR t.metadata LIKE ? ESCAPE '\\' OR json_extract(t.request_body, '$.i') LIKE ? ESCAPE '\\'
  OR EXISTS (${skeletonRefsSql('t.request_body')}
             AND jt.value IN (SELECT b.id FROM blobs b WHERE b.data LIKE ? ESCAPE '\\'))
)`;

const TEXT_PARAMS = TEXT_CLAUSE.split('?').length - 1;

/** The `trace_tags` values a query's rule, verdict and metadata filters ask for (see migration 4). */
export function queryTags(q: Pick<TraceQuery, 'rule' | 'verdict' | 'meta'>): string[] {
  const tags: string[] = [];
  if (q.rule !== undefined) tags.push(`rule:${q.rule}`);
  if (q.verdict !== undefined) tags.push(`verdict:${q.verdict}`);
  if (q.meta !== undefined) tags.push(`meta:${q.meta}`);
  return tags;
}

/**
 * Builds a page query's clauses (without the LIMIT). With a tag filter, the first tag drives
 * the walk: `trace_tags` is read newest first for that one tag and each of its traces is
 * checked against the other filters, so a page costs about a page of index reads however
 * many traces carry the tag. CROSS JOIN keeps SQLite from reordering that walk.
 */
export function buildFilter(q: TraceQuery): Filter {
  const parts: string[] = [];
  const keys: string[] = [];
  const params: (string | number)[] = [];
  const tags = queryTags(q);
  const id = tags.length > 0 ? 'd.trace_id' : 't.id';
  if (tags.length > 0) {
    parts.push('d.tag = ?');
    params.push(tags[0]!);
    keys.push('tag');
    for (const tag of tags.slice(1)) {
      parts.push('EXISTS (SELECT 1 FROM trace_tags g WHERE g.tag = ? AND g.trace_id = t.id)');
      params.push(tag);
      keys.push('tag+');
    }
  }
  if (q.text !== undefined) {
    parts.push(TEXT_CLAUSE);
    params.push(...Array<string>(TEXT_PARAMS).fill(likePattern(q.text)));
    keys.push('text');
  }
  if (q.status !== undefined) {
    const s = statusClause(q.status);
    parts.push(s.sql);
    params.push(...s.params);
    keys.push(`status:${s.sql}`);
  }
  if (q.model !== undefined) {
    parts.push('(t.requested_model = ? OR t.resolved_model = ?)');
    params.push(q.model, q.model);
    keys.push('model');
  }
  if (q.provider !== undefined) {
    parts.push('t.provider = ?');
    params.push(q.provider);
    keys.push('provider');
  }
  if (q.since !== undefined) {
    const ms = parseSince(q.since);
    // The id bound walks the primary order; started_at keeps the bound exact.
    parts.push(`${id} >= ? AND t.started_at >= ?`);
    params.push(uuidv7LowerBound(ms), ms);
    keys.push('since');
  }
  if (q.until !== undefined) {
    const ms = parseSince(q.until, 'until');
    parts.push(`${id} < ? AND t.started_at < ?`);
    params.push(uuidv7LowerBound(ms), ms);
    keys.push('until');
  }
  if (q.cursor !== undefined) {
    parts.push(`${id} < ?`);
    params.push(q.cursor);
    keys.push('cursor');
  }
  return {
    key: keys.join('|'),
    from: tags.length > 0 ? 'trace_tags d CROSS JOIN traces t ON t.id = d.trace_id' : 'traces t',
    where: parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`,
    order: `ORDER BY ${id} DESC`,
    params,
  };
}
