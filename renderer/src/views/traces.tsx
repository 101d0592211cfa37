import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, query, useApi } from '../api';
import type { Status, TraceFilters, TracePage, TraceSummary } from '../api-types';
import { Prose } from '../components/prose';
import { Loading, Notice } from '../components/states';
import { useEvents, useLiveState, type LiveState } from '../events';
import { navigate } from '../router';
import { FilterBar, filtersFrom } from './trace-filters';
import { TraceList } from './trace-list';

const PAGE = 200;
/** While the live socket is down, the list asks for new traces this often. */
const POLL_MS = 1500;
/**
 * Live events carry no previews or session (the importer computes them from the bodies, off
 * the request thread); this long after the last one, the list re-reads the new rows.
 */
const REFRESH_MS = 300;

/** Filters the gateway does not apply when it predates them; checked here instead where a summary can. */
function matchesLocally(t: TraceSummary, f: TraceFilters): boolean {
  if (f.provider && t.provider !== f.provider) return false;
  if (f.meta) {
    const [k = '', ...rest] = f.meta.split(':');
    if (t.metadata[k] !== rest.join(':')) return false;
  }
  if (f.rule && t.fired && !t.fired.some((v) => v.rule === f.rule)) return false;
  if (f.verdict && t.fired) {
    const [tier, decision] = f.verdict.split(':');
    if (!t.fired.some((v) => v.tier === tier && v.decision === decision)) return false;
  }
  return true;
}

/** Whether a live trace belongs in the filtered list (text search runs on bodies, so only the server knows: keep it out). */
function liveMatch(t: TraceSummary, f: TraceFilters): boolean {
  // A live event carries no session (the importer computes it): the refresh brings those rows.
  if (f.text || f.session || ((f.rule || f.verdict) && !t.fired)) return false;
  if (f.model && t.requested_model !== f.model && t.resolved_model !== f.model) return false;
  if (f.status) {
    const s = t.status;
    const ok = f.status === 'ok' ? s < 400 : f.status === 'error' ? s >= 400 : /xx$/.test(f.status) ? String(s)[0] === f.status[0] : String(s) === f.status;
    if (!ok) return false;
  }
  return matchesLocally(t, f);
}

/** The trace last opened from the list, so coming back (Esc) lands on the same row. */
let lastOpened: string | null = null;

function liveLabel(state: LiveState, polling: boolean): string {
  if (state === 'live') return 'live';
  return polling ? 'reconnecting… (polling meanwhile)' : 'connecting…';
}

export function TracesView({ params }: { params: URLSearchParams }) {
  const filters = filtersFrom(params);
  const key = JSON.stringify(filters);
  const status = useApi<Status>('/api/status');
  const [traces, setTraces] = useState<TraceSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const [selected, setSelected] = useState(0);
  const [oldApi, setOldApi] = useState(false);
  const loadingMore = useRef(false);
  const seen = useRef(new Set<string>());
  const currentKey = useRef(key);
  currentKey.current = key;

  const fetchPage = useCallback(
    async (after: string | null, since?: number) => {
      const f = JSON.parse(key) as TraceFilters;
      const page = await api<TracePage>(`/api/traces${query({ ...f, cursor: after, limit: PAGE, since })}`);
      if (page.traces.length > 0 && page.traces[0]!.fired === undefined) setOldApi(true);
      return { ...page, traces: page.traces.filter((t) => matchesLocally(t, f)) };
    },
    [key],
  );

  useEffect(() => {
    let live = true;
    setLoading(true);
    setSelected(0);
    fetchPage(null).then(
      (page) => {
        if (!live) return;
        seen.current = new Set(page.traces.map((t) => t.id));
        setTraces(page.traces);
        setSelected(Math.max(0, page.traces.findIndex((t) => t.id === lastOpened)));
        setCursor(page.next_cursor);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setError(err instanceof ApiError ? err : new ApiError(0, null, String(err)));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [fetchPage]);

  const prepend = useCallback((fresh: TraceSummary[]) => {
    const add = fresh.filter((t) => !seen.current.has(t.id));
    if (add.length === 0) return;
    for (const t of add) seen.current.add(t.id);
    add.sort((a, b) => b.started_at - a.started_at);
    setTraces((old) => [...add, ...old]);
    // Keep the highlighted row on the same trace as new rows arrive above it.
    setSelected((i) => (i === 0 ? 0 : i + add.length));
  }, []);

  const refresh = useRef<{ timer: number; since: number } | null>(null);
  const refreshLive = useCallback(
    (since: number) => {
      const r = refresh.current;
      if (r) window.clearTimeout(r.timer);
      const from = Math.min(since, r?.since ?? since);
      const timer = window.setTimeout(() => {
        refresh.current = null;
        const asked = key;
        fetchPage(null, from).then((p) => {
          if (asked !== currentKey.current) return;
          const fresh = new Map(p.traces.map((t) => [t.id, t]));
          setTraces((old) => old.map((t) => fresh.get(t.id) ?? t));
          prepend(p.traces);
        }, () => undefined);
      }, REFRESH_MS);
      refresh.current = { timer, since: from };
    },
    [fetchPage, prepend, key],
  );
  // A refresh queued under other filters would prepend rows these filters exclude.
  useEffect(
    () => () => {
      window.clearTimeout(refresh.current?.timer);
      refresh.current = null;
    },
    [fetchPage],
  );

  useEvents((ev) => {
    if (ev.type !== 'trace') return;
    const f = JSON.parse(key) as TraceFilters;
    if (liveMatch(ev.trace, f)) prepend([ev.trace]);
    if (!f.text) refreshLive(ev.trace.started_at);
  });
  const liveState = useLiveState();

  // Without the socket (an older gateway, or while reconnecting) new traces still arrive, by polling.
  const polling = liveState !== 'live' && !loading && error === null;
  useEffect(() => {
    if (!polling) return;
    const timer = window.setInterval(() => {
      const newest = traces[0]?.started_at;
      const asked = key;
      fetchPage(null, newest).then((p) => asked === currentKey.current && prepend(p.traces), () => undefined);
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [polling, traces, fetchPage, prepend, key]);

  const more = useCallback(() => {
    if (cursor === null || loadingMore.current) return;
    loadingMore.current = true;
    const asked = key;
    fetchPage(cursor).then(
      (page) => {
        loadingMore.current = false;
        // The filters changed while the page was on its way: it belongs to the old list.
        if (asked !== currentKey.current) return;
        for (const t of page.traces) seen.current.add(t.id);
        setTraces((old) => [...old, ...page.traces]);
        setCursor(page.next_cursor);
      },
      () => {
        loadingMore.current = false;
      },
    );
  }, [cursor, fetchPage, key]);

  const tiers = status.data ? [...status.data.tier.shadow, status.data.tier.active] : ['prod'];
  const setFilters = (f: TraceFilters) => {
    if (JSON.stringify(f) !== key) navigate('traces', f as Record<string, string>, true);
  };
  const open = (t: TraceSummary) => {
    lastOpened = t.id;
    navigate(`traces/${encodeURIComponent(t.id)}`);
  };
  const filtered = Object.keys(filters).length > 0;

  return (
    <section className="traces">
      <div className="toolbar">
        <FilterBar filters={filters} tiers={tiers} onChange={setFilters} />
        <span className={`live live-${liveState}`} role="status" data-testid="live-state">
          {liveLabel(liveState, polling)}
        </span>
      </div>
      {oldApi && (filters.rule || filters.verdict) && (
        <Notice testId="unavailable">This gateway does not record fired rules in the list yet, so the rule and verdict filters match nothing here: update the gateway.</Notice>
      )}
      {error ? (
        <Notice kind="error">
          <Prose text={error.message} />
        </Notice>
      ) : loading ? (
        <Loading />
      ) : traces.length === 0 ? (
        <Notice kind="empty">
          {filtered ? (
            <>No trace matches these filters. Clear them, or widen the search.</>
          ) : (
            <>
              No traces yet. Point a client at this gateway (<code>gatehouse setup claude-code</code> prints how), or try{' '}
              <code>curl {window.location.origin}/v1/chat/completions -H &quot;authorization: Bearer $(gatehouse token)&quot; -d &apos;{'{'}&quot;model&quot;:&quot;demo/echo&quot;,&quot;messages&quot;:[{'{'}&quot;role&quot;:&quot;user&quot;,&quot;content&quot;:&quot;hi&quot;{'}'}]{'}'}&apos;</code>
              ; it shows up here at once.
            </>
          )}
        </Notice>
      ) : (
        <TraceList traces={traces} selected={selected} onSelect={setSelected} onOpen={open} onNearEnd={more} onSession={(session) => setFilters({ ...filters, session })} />
      )}
      <p className="hint" data-testid="list-hint">j/k or ↑/↓ move · Enter opens · / searches · {traces.length.toLocaleString('en-US')} loaded{cursor ? ', more on scroll' : ''}</p>
    </section>
  );
}
