import { GatehouseError } from '../core/errors.js';
import { uuidv7LowerBound } from '../core/ids.js';
import { skeletonRefsSql } from './bodies.js';
import type { Trace, TraceQuery } from './schema.js';

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
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A status filter as a condition on `col` (a trace's or its tag's status column). */
function statusClause(status: string, col: string): { sql: string; params: number[] } {
  if (status === 'ok') return { sql: `${col} < 400`, params: [] };
  if (status === 'error') return { sql: `${col} >= 400`, params: [] };
  if (status.endsWith('xx')) {
    const base = Number(status[0]) * 100;
    return { sql: `${col} >= ? AND ${col} < ?`, params: [base, base + 100] };
  }
  return { sql: `${col} = ?`, params: [Number(status)] };
}

/** A trace's own text columns and the small request fields kept inline in its skeleton, as LIKE matches them. */
export const OWN_TEXT_CLAUSE = `(
  t.error_message LIKE ? ESCAPE '\\' OR t.requested_model LIKE ? ESCAPE '\\'
  OR t.resolved_model LIKE ? ESCAPE '\\' OR t.provider LIKE ? ESCAPE '\\'
  OR t.caller_user LIKE ? ESCAPE '\\' OR json_extract(t.caller, '$.agent') LIKE ? ESCAPE '\\'
  OR t.metadata LIKE ? ESCAPE '\\' OR json_extract(t.request_body, '$.i') LIKE ? ESCAPE '\\'
)`;

/**
 * Free text without the index (a text store/search.ts cannot look up): the row's own text and
 * every request blob. The matching blobs are found once per query (the IN subquery is not
 * correlated, so SQLite materialises it), rather than re-reading a conversation's shared
 * history for each of its traces; each trace then only checks its skeleton's ids. LIKE folds
 * ASCII case only.
 */
const TEXT_CLAUSE = `(${OWN_TEXT_CLAUSE}
  OR EXISTS (${skeletonRefsSql('t.request_body')}
             AND jt.value IN (SELECT b.id FROM blobs b WHERE b.data LIKE ? ESCAPE '\\'))
)`;

const TEXT_PARAMS = TEXT_CLAUSE.split('?').length - 1;

/** What a trace is tagged with in `trace_tags` (see migration 4): every value a page can be filtered by through a tag. */
export function traceTags(t: Pick<Trace, 'requested_model' | 'resolved_model' | 'provider' | 'status' | 'verdicts' | 'metadata' | 'tool'>, session: string | null = null): Set<string> {
  const tags = new Set<string>();
  if (t.tool) tags.add(`tool:${t.tool.exposed}`);
  if (session !== null) tags.add(`session:${session}`);
  if (t.requested_model !== null) tags.add(`model:${t.requested_model}`);
  if (t.resolved_model !== null) tags.add(`model:${t.resolved_model}`);
  if (t.provider !== null) tags.add(`provider:${t.provider}`);
  // Only failures: "what failed" is the status filter that must be fast, and a tag for every
  // 200 would double the table for a filter a plain scan answers as fast.
  if (t.status >= 400) tags.add('status:error').add(`status:${Math.floor(t.status / 100)}xx`).add(`status:${t.status}`);
  // A journal line written before verdicts were traced has none.
  for (const v of t.verdicts ?? []) {
    if (v.decision === 'allow') continue;
    tags.add(`rule:${v.rule}`).add(`verdict:${v.tier}:${v.decision}`);
  }
  for (const [k, v] of Object.entries(t.metadata)) tags.add(`meta:${k}:${v}`);
  return tags;
}

/** The failure tag a status filter names; null for the statuses a scan answers (ok, 2xx, 200). */
function statusTag(status: string): string | null {
  if (status === 'error') return 'status:error';
  return status !== 'ok' && Number(status[0]) >= 4 ? `status:${status}` : null;
}

/**
 * The tags a query's filters ask for, the likely rarest first (a metadata pair names a
 * project or a ticket; a model or provider is a large share of traffic): the first drives.
 */
export function queryTags(q: Pick<TraceQuery, 'meta' | 'rule' | 'verdict' | 'model' | 'provider' | 'session' | 'tool'>): string[] {
  const tags: string[] = [];
  // A session is the rarest of all: a handful of turns.
  if (q.session !== undefined) tags.push(`session:${q.session}`);
  if (q.meta !== undefined) tags.push(`meta:${q.meta}`);
  if (q.tool !== undefined) tags.push(`tool:${q.tool}`);
  if (q.rule !== undefined) tags.push(`rule:${q.rule}`);
  if (q.verdict !== undefined) tags.push(`verdict:${q.verdict}`);
  if (q.model !== undefined) tags.push(`model:${q.model}`);
  if (q.provider !== undefined) tags.push(`provider:${q.provider}`);
  return tags;
}

/** How `buildFilter` walks and what it leaves out. */
export interface FilterOptions {
  /** Match `text` with LIKE here (the default); false when store/search.ts answers it through its index. */
  likeText?: boolean;
  /**
   * Walk these traces instead, a JSON array of `traces.seq` values (the matches of a search),
   * each checked against the other filters by key lookups.
   */
  candidates?: string;
}

/**
 * Builds a page query's clauses (without the LIMIT). A tag filter drives the walk: one
 * tag's `trace_tags` rows are read newest first, the status checked on the tag row itself,
 * each further tag by a primary-key lookup, so a page costs about a page of index reads
 * however many traces carry the tag. A failing-status filter alone drives by its tag; with
 * no tag filter, the newest traces are scanned in id order. CROSS JOIN keeps SQLite from
 * reordering the walk.
 */
export function buildFilter(q: TraceQuery, opts: FilterOptions = {}): Filter {
  const parts: string[] = [];
  const keys: string[] = [];
  const params: (string | number)[] = [];
  const tags = queryTags(q);
  const candidates = opts.candidates !== undefined;
  const byStatusTag = !candidates && tags.length === 0 && q.status !== undefined ? statusTag(q.status) : null;
  if (byStatusTag !== null) tags.push(byStatusTag);
  const driven = !candidates && tags.length > 0;
  const id = driven ? 'd.trace_id' : 't.id';
  if (candidates) {
    params.push(opts.candidates!);
    keys.push('candidates');
  }
  if (driven) {
    parts.push('d.tag = ?');
    params.push(tags[0]!);
    keys.push('tag');
  }
  for (const tag of driven ? tags.slice(1) : tags) {
    parts.push(`EXISTS (SELECT 1 FROM trace_tags g WHERE g.tag = ? AND g.trace_id = ${id})`);
    params.push(tag);
    keys.push('tag+');
  }
  if (q.status !== undefined && byStatusTag === null) {
    const s = statusClause(q.status, driven ? 'd.status' : 't.status');
    parts.push(s.sql);
    params.push(...s.params);
    keys.push(`status:${s.sql}`);
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
  // Last: the costliest check runs only on rows every other filter let through.
  if (q.text !== undefined && opts.likeText !== false) {
    parts.push(TEXT_CLAUSE);
    params.push(...Array<string>(TEXT_PARAMS).fill(likePattern(q.text)));
    keys.push('text');
  }
  return {
    key: keys.join('|'),
    from: candidates ? 'json_each(?) c CROSS JOIN traces t ON t.seq = c.value' : driven ? 'trace_tags d CROSS JOIN traces t ON t.id = d.trace_id' : 'traces t',
    where: parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`,
    order: `ORDER BY ${id} DESC`,
    params,
  };
}
