import { DEVICE_HEADER, EnrollResponseSchema, PATHS, StatusReportSchema, SyncErrorSchema, type EnrollRequest, type EnrollResponse, type StatusReport } from '../protocol.js';
import type { CentralLink } from './contracts.js';

/**
 * The device's calls to the central gateway for enrollment and policy, each with a timeout:
 * sync runs beside the request path, so a central gateway that hangs must not hold a cycle
 * (and `gatehouse sync now`) for long.
 */

export const CENTRAL_TIMEOUT_MS = 10_000;

/** The central gateway refused or could not be reached; the message is one sentence. */
export class CentralError extends Error {
  constructor(
    message: string,
    /** The HTTP status, or null when there was no answer. */
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'CentralError';
  }
}

const base = (url: string) => url.replace(/\/+$/, '');

async function call(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message);
    throw new CentralError(`The central gateway at ${new URL(url).origin} could not be reached (${why}).`, null);
  }
}

/** The server's own one-sentence error when it sent one, else the status. */
async function refusal(res: Response, what: string): Promise<CentralError> {
  let detail = `${res.status}`;
  try {
    const parsed = SyncErrorSchema.safeParse(await res.json());
    if (parsed.success) detail = `${res.status} ${parsed.data.error.code}: ${parsed.data.error.message}`;
  } catch {
    // Not JSON: the status says enough.
  }
  const hint = res.status === 401 || res.status === 403 ? ' Check the PAT (a new one from your org admin, then `gatehouse enroll` again).' : '';
  return new CentralError(`The central gateway refused ${what} (${detail}).${hint}`, res.status);
}

const headers = (pat: string, deviceId: string | null): Record<string, string> => ({
  authorization: `Bearer ${pat}`,
  accept: 'application/json',
  ...(deviceId ? { [DEVICE_HEADER]: deviceId } : {}),
});

export async function enrollDevice(centralUrl: string, pat: string, body: EnrollRequest, timeoutMs = CENTRAL_TIMEOUT_MS): Promise<EnrollResponse> {
  const res = await call(`${base(centralUrl)}${PATHS.enroll}`, { method: 'POST', headers: { ...headers(pat, null), 'content-type': 'application/json' }, body: JSON.stringify(body) }, timeoutMs);
  if (!res.ok) throw await refusal(res, 'the enrollment');
  const parsed = EnrollResponseSchema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) throw new CentralError(`The central gateway answered the enrollment with an unexpected body (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}).`, res.status);
  return parsed.data;
}

export type PolicyAnswer = { status: 304 } | { status: 200; body: unknown; etag: string | null } | { status: 'unreadable'; error: string };

/** `GET /v1/fleet/policy`: 304 when the ETag still matches; the body is returned untrusted, for verify.ts. */
export async function fetchPolicy(link: CentralLink, etag: string | null, timeoutMs = CENTRAL_TIMEOUT_MS): Promise<PolicyAnswer> {
  const pat = await link.pat();
  const res = await call(`${base(link.url)}${PATHS.policy}`, { headers: { ...headers(pat, link.deviceId), ...(etag ? { 'if-none-match': etag } : {}) } }, timeoutMs);
  if (res.status === 304) return { status: 304 };
  if (!res.ok) throw await refusal(res, 'the policy request');
  const text = await res.text();
  try {
    return { status: 200, body: JSON.parse(text) as unknown, etag: res.headers.get('etag') };
  } catch {
    return { status: 'unreadable', error: 'Refused the org bundle: the answer is not JSON.' };
  }
}

/** `POST /v1/fleet/status`: the ACK of the version in force, or the NACK of one refused. */
export async function reportStatus(link: CentralLink, report: StatusReport, timeoutMs = CENTRAL_TIMEOUT_MS): Promise<void> {
  const body = StatusReportSchema.parse(report);
  const pat = await link.pat();
  const res = await call(`${base(link.url)}${PATHS.status}`, { method: 'POST', headers: { ...headers(pat, link.deviceId), 'content-type': 'application/json' }, body: JSON.stringify(body) }, timeoutMs);
  if (!res.ok) throw await refusal(res, 'the status report');
}
