import { useEffect, useState } from 'react';

/**
 * A hash router: `#/traces?status=error`, `#/traces/<id>`, `#/preview`… The gateway serves one
 * index.html at /ui/, and the fragment never reaches the server, so no route needs a fallback.
 */
export interface Route {
  /** Path segments after `#/`, e.g. `['traces', '0193…']`. */
  parts: string[];
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = raw.split('?', 2);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts: parts.length ? parts : ['traces'], params: new URLSearchParams(search) };
}

export function href(path: string, params?: URLSearchParams | Record<string, string>): string {
  const q = params === undefined ? '' : new URLSearchParams(params).toString();
  return `#/${path}${q ? `?${q}` : ''}`;
}

/** Goes to a route; `replace` keeps filter edits out of the back history. */
export function navigate(path: string, params?: URLSearchParams | Record<string, string>, replace = false): void {
  const target = href(path, params);
  if (replace) {
    history.replaceState(null, '', target);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else window.location.hash = target;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
