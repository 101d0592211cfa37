import type { Database, Statement } from 'better-sqlite3';
import { uuidv7LowerBound } from '../core/ids.js';
import { BUCKET_FORMAT } from './verdicts.js';

export type UsageInterval = keyof typeof BUCKET_FORMAT;
export type UsageGroup = 'none' | 'model' | 'provider' | 'project' | 'team' | 'user' | `metadata.${string}`;

/** One group's usage in one bucket; sums of absent token counts and prices are 0. */
export interface UsageRow {
  bucket: string;
  key: string | null;
  requests: number;
  errors: number;
  tokens_in: number;
  tokens_out: number;
  tokens_cached: number;
  cost_usd: number;
}

/**
 * What each grouping groups by. `team` is the caller's (from the PAT) where there is one, else
 * what the agent said in its metadata; `project` only comes from metadata.
 */
const GROUP_SQL: Record<Exclude<UsageGroup, `metadata.${string}`>, string> = {
  none: 'NULL',
  model: 'coalesce(t.resolved_model, t.requested_model)',
  provider: 't.provider',
  project: "json_extract(t.metadata, '$.project')",
  team: "coalesce(json_extract(t.caller, '$.team'), json_extract(t.metadata, '$.team'))",
  user: 't.caller_user',
};

/** The grouping's SQL; a metadata key is checked to be [A-Za-z0-9_-] by the query schema, and checked again here as it goes into SQL text. */
function groupSql(by: UsageGroup): string {
  if (!by.startsWith('metadata.')) return GROUP_SQL[by as Exclude<UsageGroup, `metadata.${string}`>];
  const key = by.slice('metadata.'.length);
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(key)) throw new Error(`not a metadata key: ${key}`);
  return `json_extract(t.metadata, '$."${key}"')`;
}

/** Refusals of a body no model could be asked with: the request never was a model call. */
const MALFORMED = ['GH_ERR_INVALID_JSON', 'GH_ERR_INVALID_UTF8', 'GH_ERR_JSON_TOO_DEEP', 'GH_ERR_INVALID_REQUEST', 'GH_ERR_BODY_TOO_LARGE', 'GH_ERR_UNSUPPORTED_MEDIA_TYPE']
  .map((c) => `'${c}'`)
  .join(', ');

/**
 * A model call: a POST that reached the point of naming a model. `GET /v1/models` and bodies
 * refused as malformed are traffic too, but no model was asked: they are counted apart.
 */
const MODEL_CALL = `(t.method = 'POST' AND (t.error_code IS NULL OR t.error_code NOT IN (${MALFORMED})))`;

/** What a trace that is not a model call was: its route for a GET, else "malformed request". */
const OTHER_KIND = `CASE WHEN t.method <> 'POST' THEN t.method || ' ' || t.path ELSE 'malformed request' END`;

export interface OtherTraffic {
  kind: string;
  requests: number;
}

/**
 * Tokens, requests and cost per time bucket and group, summed in SQLite over a window of
 * traces (an id range: ids are UUIDv7), so a month of traces costs no JS object per row.
 */
export class UsageStore {
  private readonly statements = new Map<string, Statement<[string, number, string, number], UsageRow>>();
  private readonly selectOther: Statement<[string, number, string, number], OtherTraffic>;

  constructor(private readonly db: Database) {
    this.selectOther = db.prepare(`SELECT ${OTHER_KIND} AS kind, count(*) AS requests
      FROM traces t WHERE t.id >= ? AND t.started_at >= ? AND t.id < ? AND t.started_at < ? AND NOT ${MODEL_CALL}
      GROUP BY kind ORDER BY requests DESC`);
  }

  /** The window's traces that were not model calls, by kind (`GET /v1/models`, `malformed request`). */
  other(since: number, until: number): OtherTraffic[] {
    return this.selectOther.all(uuidv7LowerBound(since), since, uuidv7LowerBound(until), until);
  }

  /** Usage of the traces started in [since, until) (Unix ms), by bucket then key. */
  report(since: number, until: number, interval: UsageInterval, by: UsageGroup): UsageRow[] {
    return this.statement(interval, by).all(uuidv7LowerBound(since), since, uuidv7LowerBound(until), until);
  }

  private statement(interval: UsageInterval, by: UsageGroup): Statement<[string, number, string, number], UsageRow> {
    const name = `${interval}:${by}`;
    let stmt = this.statements.get(name);
    if (stmt === undefined) {
      stmt = this.db.prepare(`SELECT strftime('${BUCKET_FORMAT[interval]}', t.started_at / 1000, 'unixepoch') AS bucket,
          ${groupSql(by)} AS key, count(*) AS requests, sum(t.status >= 400) AS errors,
          coalesce(sum(t.tokens_in), 0) AS tokens_in, coalesce(sum(t.tokens_out), 0) AS tokens_out,
          coalesce(sum(t.tokens_cached), 0) AS tokens_cached, coalesce(sum(t.cost_usd), 0.0) AS cost_usd
        FROM traces t WHERE t.id >= ? AND t.started_at >= ? AND t.id < ? AND t.started_at < ? AND ${MODEL_CALL}
        GROUP BY bucket, key ORDER BY bucket, key`);
      this.statements.set(name, stmt);
    }
    return stmt;
  }
}
