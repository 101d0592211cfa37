import type { SyncError } from '../protocol.js';

/**
 * The central gateway's coded errors: every refusal it makes is one of these, rendered in
 * the protocol's `SyncErrorSchema` shape by one handler (routes/errors.ts). A client's
 * mistake is always a 4xx naming what to fix; only a fault of the server itself is a 500.
 */
export const CENTRAL_ERRORS = {
  GH_ERR_UNAUTHORIZED: 401,
  GH_ERR_PAT_REVOKED: 401,
  GH_ERR_DEVICE_FORBIDDEN: 403,
  GH_ERR_FORBIDDEN_HOST: 403,
  GH_ERR_UNKNOWN_DEVICE: 404,
  GH_ERR_NOT_FOUND: 404,
  GH_ERR_NO_POLICY: 404,
  GH_ERR_INVALID_JSON: 400,
  GH_ERR_INVALID_REQUEST: 400,
  GH_ERR_INVALID_QUERY: 400,
  GH_ERR_INVALID_POLICY: 400,
  /** Rotation asked of a central whose key comes from the environment: it cannot store the next one. */
  GH_ERR_KEY_FROM_ENV: 409,
  /** Rotation whose key provider cannot store the next key (a read-only key file). */
  GH_ERR_KEY_NOT_STORED: 409,
  /** Two publishes raced for the same version. */
  GH_ERR_VERSION_CONFLICT: 409,
  GH_ERR_BODY_TOO_LARGE: 413,
  GH_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  GH_ERR_UNSUPPORTED_ENCODING: 415,
  /** More records batches in flight on this replica than it takes: the device backs off by Retry-After. */
  GH_ERR_INGEST_BUSY: 429,
  GH_ERR_INTERNAL: 500,
  /** The database could not be reached or dropped the transaction: nothing was stored, the device retries. */
  GH_ERR_STORAGE_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type CentralErrorCode = keyof typeof CENTRAL_ERRORS;

export type Problem = NonNullable<SyncError['error']['problems']>[number];

/** A coded refusal whose message says what happened and what to do. */
export class CentralError extends Error {
  readonly code: CentralErrorCode;
  readonly statusCode: number;
  readonly problems: Problem[] | undefined;
  /** Seconds sent as `Retry-After` (429, 503). */
  retryAfterS: number | undefined;

  constructor(code: CentralErrorCode, message: string, problems?: Problem[]) {
    super(message);
    this.name = 'CentralError';
    this.code = code;
    this.statusCode = CENTRAL_ERRORS[code];
    this.problems = problems;
  }

  body(): SyncError {
    return { error: { code: this.code, message: this.message, ...(this.problems ? { problems: this.problems } : {}) } };
  }
}
