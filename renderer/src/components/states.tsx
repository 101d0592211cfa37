import type { ReactNode } from 'react';
import { Prose } from './prose';
import { isMissingEndpoint, type ApiError } from '../api';

/** An empty, error or "not available here" state: each says what to do next. */
export function Notice({ kind = 'info', children, testId }: { kind?: 'info' | 'error' | 'empty'; children: ReactNode; testId?: string }) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid={testId ?? `notice-${kind}`}>
      {children}
    </div>
  );
}

/**
 * The state of a request that failed: a gateway without the endpoint (older than this
 * dashboard) gets the sentence `missing`, anything else the gateway's own message.
 */
export function Failure({ error, missing }: { error: ApiError; missing: string }) {
  if (isMissingEndpoint(error)) {
    return (
      <Notice kind="info" testId="unavailable">
        {missing} Update the gateway (<code>npm ci</code> in the checkout, then <code>gatehouse start</code>).
      </Notice>
    );
  }
  return (
    <Notice kind="error">
      <Prose text={error.message} />
    </Notice>
  );
}

export function Loading() {
  return <div className="loading" role="status" aria-live="polite">Loading…</div>;
}
