import { useCallback, useEffect, useState } from 'react';
import { getToken } from './auth';

/** An admin API refusal, with the gateway's coded error when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

export const NO_TOKEN = 'No token: open the dashboard from the URL `gatehouse start` prints, or paste the token `gatehouse token` prints.';

/** Reads the gateway's error body; it says what to do, so it is shown as is. */
async function failure(res: Response): Promise<ApiError> {
  let code: string | null = null;
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } | string; message?: string; code?: string };
    const err = typeof body.error === 'object' ? body.error : body;
    code = err.code ?? null;
    message = err.message ?? message;
  } catch {
    // Not JSON: keep the status line.
  }
  if (res.status === 401) message = `The gateway refused the token (${message}). Open the URL \`gatehouse start\` prints, or paste the token \`gatehouse token\` prints.`;
  return new ApiError(res.status, code, message);
}

/** A call to the admin API with the bearer token. */
export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const token = getToken();
  if (!token) throw new ApiError(401, null, NO_TOKEN);
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers });
  } catch {
    throw new ApiError(0, null, 'The gateway does not answer: start it with `gatehouse start` (or the desktop app), then reload.');
  }
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** Whether an error means the gateway has no such endpoint (an older gateway), not a missing record. */
export function isMissingEndpoint(err: unknown): boolean {
  // The gateway's not-found handler says "No route …"; a missing record names the record instead.
  return err instanceof ApiError && err.status === 404 && (err.code !== 'GH_ERR_NOT_FOUND' || err.message.startsWith('No route'));
}

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (null: nothing to load yet) and reloads when it changes. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({ data: null, error: null, loading: path !== null });
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api<T>(path).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (err: unknown) => live && setState({ data: null, error: err instanceof ApiError ? err : new ApiError(0, null, String(err)), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { ...state, reload };
}

/** A query string from the set values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
