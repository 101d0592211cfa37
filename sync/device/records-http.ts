import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import { DEVICE_HEADER, PATHS, RecordsAckSchema, SyncErrorSchema, type RecordsBatch } from '../protocol.js';
import type { CentralLink, RecordsTransport, SendOutcome } from './contracts.js';
import { isRetryableStatus, parseRetryAfter } from './retry.js';

const gzip = promisify(gzipCb);

export interface HttpTransportOptions {
  /** Where to send and as whom, read at each drain; null while not enrolled (nothing is sent). */
  link: () => CentralLink | null;
  fetch?: typeof fetch;
  clock?: () => number;
  /** An answer slower than this counts as no answer, and is retried. */
  timeoutMs: number;
}

/**
 * The device's way to the central gateway: each batch gzipped once and POSTed to its records
 * endpoint with the PAT as bearer; the answer read into a `SendOutcome` (which statuses are
 * retried, the server's `Retry-After`).
 */
export function httpTransport(opts: HttpTransportOptions): RecordsTransport {
  const doFetch = opts.fetch ?? fetch;
  const clock = opts.clock ?? Date.now;
  // A batch retried within a drain is the same object: compress it once.
  const bodies = new WeakMap<RecordsBatch, Promise<Buffer>>();
  return {
    idle: 'the device is not enrolled: records wait until `gatehouse enroll`',
    open() {
      const link = opts.link();
      if (link === null) return null;
      const url = `${link.url.replace(/\/+$/, '')}${PATHS.records}`;
      return {
        deviceId: link.deviceId,
        async send(batch, closing) {
          let body = bodies.get(batch);
          if (body === undefined) bodies.set(batch, (body = gzip(JSON.stringify(batch))));
          // A timer of our own, cleared when the answer is in: on Node 20 a timeout signal held only
          // by an `AbortSignal.any` can be garbage-collected before it fires, leaving a send to a
          // central that never answers waiting for ever (seen under load).
          const attempt = new AbortController();
          const timer = setTimeout(() => attempt.abort(new DOMException('timed out', 'TimeoutError')), opts.timeoutMs);
          const onClose = () => attempt.abort(closing.reason);
          closing.addEventListener('abort', onClose, { once: true });
          if (closing.aborted) onClose();
          try {
            return await exchange(link, url, await body, attempt.signal);
          } finally {
            clearTimeout(timer);
            closing.removeEventListener('abort', onClose);
          }
        },
      };
    },
  };

  async function exchange(link: CentralLink, url: string, body: Buffer, signal: AbortSignal): Promise<SendOutcome> {
    let res: Response;
    try {
      const pat = await link.pat();
      res = await doFetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${pat}`,
          [DEVICE_HEADER]: link.deviceId,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
        body,
        signal,
      });
    } catch (err) {
      return { ok: false, retry: true, waitMs: null, error: `no answer from ${url} (${describe(err)})` };
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      // Headers came, the body did not: the batch may or may not be stored. Resending is safe (dedupe).
      return { ok: false, retry: true, waitMs: null, error: `the answer from ${url} was cut off (${describe(err)})` };
    }
    if (res.status === 200) {
      const ack = RecordsAckSchema.safeParse(safeJson(text));
      if (ack.success) return { ok: true, ack: ack.data };
      return { ok: false, retry: false, waitMs: null, error: `${url} answered 200 with a body that is not a records acknowledgement: check that the central URL points at a Gatehouse central gateway` };
    }
    const why = SyncErrorSchema.safeParse(safeJson(text));
    const detail = why.success ? `${why.data.error.code}: ${why.data.error.message}` : text.slice(0, 200);
    const retry = isRetryableStatus(res.status);
    return {
      ok: false,
      status: res.status,
      retry,
      waitMs: retry ? parseRetryAfter(res.headers.get('retry-after'), clock()) : null,
      error: `the central gateway answered ${res.status} to ${PATHS.records}${detail ? ` (${detail})` : ''}${retry ? '' : hint(res.status)}`,
    };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The cause of a failed fetch in words (undici hides it under `cause`). */
export function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return 'timed out';
  const cause = (err as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return err.message;
}

function hint(status: number): string {
  if (status === 401 || status === 403) return ': the PAT was refused; enroll again with a valid PAT (gatehouse enroll)';
  if (status === 404) return ': the central gateway has no records endpoint at this URL; check the central URL';
  return ': the records stay on disk and are sent at the next sync';
}
