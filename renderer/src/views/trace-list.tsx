import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, type KeyboardEvent } from 'react';
import type { TraceSummary } from '../api-types';
import { agent, apiLabel, errorLabel, int, listTime, ms, sessionHue, shortSession, ttft, usd } from '../format';
import { listBadges } from '../verdict-look';

const ROW_PX = 30;

/** What the trace's shadow tiers would have done, and what audit rules recorded without enforcing. */
export function Badges({ trace }: { trace: TraceSummary }) {
  return (
    <>
      {listBadges(trace.fired ?? []).map((b) => (
        <span key={b.key} className={`badge badge-${b.tone}`} title={b.title} data-testid={b.testId}>
          {b.label}
        </span>
      ))}
    </>
  );
}

/** A session's chip: its colour, short id and which turn of the loaded ones this is; a click shows only that session. */
function SessionChip({ session, turn, onSession }: { session: string; turn: number; onSession: (s: string) => void }) {
  return (
    <button
      type="button"
      className="chip session"
      style={{ borderLeftColor: `hsl(${sessionHue(session)} 65% 45%)` }}
      title={`Session ${session}: click for its turns only`}
      onClick={(e) => {
        e.stopPropagation();
        onSession(session);
      }}
      data-testid="cell-session"
    >
      {shortSession(session)} #{turn}
    </button>
  );
}

/** The mark of an MCP call in the list, by what it fetched. */
const MCP_ICONS = { tool: '⚒', prompt: '❝', resource: '▤' } as const;

function Row({ t, turn, onSession }: { t: TraceSummary; turn: number; onSession: (s: string) => void }) {
  const failed = t.status >= 400;
  const first = ttft(t.phases);
  return (
    <>
      <span role="gridcell" className="c-time" title={new Date(t.started_at).toString()} data-testid="cell-time">{listTime(t.started_at)}</span>
      <span role="gridcell" className="c-session">{t.session ? <SessionChip session={t.session} turn={turn} onSession={onSession} /> : <span className="muted">–</span>}</span>
      <span role="gridcell" className="c-caller" title={t.caller.agent ?? ''}>
        {t.caller.user} · {agent(t.caller.agent)}
      </span>
      <span role="gridcell" className="c-api" title={`${t.method} ${t.path}`} data-testid="cell-api">{apiLabel(t)}</span>
      {t.tool ? (
        // A call through /mcp: the tool it ran (or prompt, resource it fetched) and the MCP server behind it, where a model call shows its models.
        <span role="gridcell" className="c-model" title={`MCP server ${t.tool.server}, ${t.tool.kind ?? 'tool'} ${t.tool.name}`} data-testid="cell-tool" data-kind={t.tool.kind ?? 'tool'}>
          {MCP_ICONS[t.tool.kind ?? 'tool']} {t.tool.exposed}
        </span>
      ) : (
        <span role="gridcell" className="c-model" title={`${t.requested_model ?? '–'} → ${t.resolved_model ?? '–'}`}>
          {t.requested_model ?? '–'}
          {t.resolved_model && t.resolved_model !== t.requested_model ? ` → ${t.resolved_model}` : ''}
        </span>
      )}
      <span role="gridcell" className="c-preview" title={[t.ask, t.answer].filter(Boolean).join('\n\n')} data-testid="cell-preview">
        <span data-testid="preview-ask">{t.ask ?? ''}</span>
        {t.answer && <span className="answer" data-testid="preview-answer">{t.answer.startsWith('→') ? t.answer : `→ ${t.answer}`}</span>}
      </span>
      <span role="gridcell" className={failed ? 'c-status err' : 'c-status ok'} data-testid="cell-status">
        {t.status}
      </span>
      <span role="gridcell" className="c-num">{int(t.tokens_in)} / {int(t.tokens_out)}</span>
      <span role="gridcell" className="c-num">{usd(t.cost_usd)}</span>
      <span role="gridcell" className="c-num">{ms(t.duration_ms)}</span>
      <span role="gridcell" className="c-num" data-testid="cell-ttft">{first === null ? '–' : ms(first)}</span>
      <span role="gridcell" className="c-flags">
        <Badges trace={t} />
        {t.error_code && <span className="err-text" title={`${t.error_code}: ${t.error_message ?? ''}`} data-testid="cell-error">{errorLabel(t.error_code)}</span>}
      </span>
    </>
  );
}

/** Each trace's turn number in its session, counting the loaded traces oldest first. */
function sessionTurns(traces: TraceSummary[]): Map<string, number> {
  const seen = new Map<string, number>();
  const turns = new Map<string, number>();
  for (let i = traces.length - 1; i >= 0; i--) {
    const t = traces[i]!;
    if (!t.session) continue;
    const n = (seen.get(t.session) ?? 0) + 1;
    seen.set(t.session, n);
    turns.set(t.id, n);
  }
  return turns;
}

const HEADERS = ['Time', 'Session', 'Caller', 'API', 'Model → resolved', 'Last message → answer', 'Status', 'Tokens in/out', 'Cost', 'Latency', 'TTFT', 'Verdicts / error'];

interface Props {
  traces: TraceSummary[];
  selected: number;
  onSelect: (i: number) => void;
  onOpen: (t: TraceSummary) => void;
  onNearEnd: () => void;
  /** Shows only one session's turns. */
  onSession: (session: string) => void;
}

/**
 * The trace list: only the rows on screen are in the DOM, so 100k traces scroll like 100.
 * j/k or the arrows move, Enter opens; the grid keeps focus and marks the active row.
 */
export function TraceList({ traces, selected, onSelect, onOpen, onNearEnd, onSession }: Props) {
  const turns = useMemo(() => sessionTurns(traces), [traces]);
  const scroller = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({ count: traces.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_PX, overscan: 20 });
  const items = v.getVirtualItems();
  const last = items[items.length - 1];

  useEffect(() => {
    if (last && last.index >= traces.length - 50) onNearEnd();
  }, [last, traces.length, onNearEnd]);

  // Arriving at the list (or back from a trace) puts the keyboard on it, at the selected row.
  useEffect(() => {
    if (document.activeElement === document.body) scroller.current?.focus();
    if (selected > 0) v.scrollToIndex(selected, { align: 'center' });
    // Only on mount: later moves scroll themselves.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const onKey = (e: KeyboardEvent) => {
    const move = (to: number) => {
      e.preventDefault();
      const i = Math.max(0, Math.min(traces.length - 1, to));
      onSelect(i);
      v.scrollToIndex(i, { align: 'auto' });
    };
    if (e.key === 'j' || e.key === 'ArrowDown') move(selected + 1);
    else if (e.key === 'k' || e.key === 'ArrowUp') move(selected - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(traces.length - 1);
    else if (e.key === 'Enter' && traces[selected]) onOpen(traces[selected]);
  };

  return (
    <div className="grid" role="grid" aria-label="Traces" aria-rowcount={traces.length} data-testid="trace-grid">
      <div className="grid-head row" role="row">
        {HEADERS.map((h) => (
          <span role="columnheader" key={h}>{h}</span>
        ))}
      </div>
      <div
        ref={scroller}
        className="grid-body"
        tabIndex={0}
        onKeyDown={onKey}
        aria-activedescendant={traces[selected] ? `row-${traces[selected].id}` : undefined}
        data-testid="trace-list"
      >
        <div style={{ height: v.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const t = traces[item.index]!;
            return (
              <div
                key={t.id}
                id={`row-${t.id}`}
                role="row"
                aria-selected={item.index === selected}
                className={`row${item.index === selected ? ' selected' : ''}${t.status >= 400 ? ' failed' : ''}`}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_PX, transform: `translateY(${item.start}px)` }}
                onClick={() => onOpen(t)}
                onMouseDown={() => onSelect(item.index)}
                data-testid="trace-row"
                data-trace-id={t.id}
              >
                <Row t={t} turn={turns.get(t.id) ?? 1} onSession={onSession} />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
