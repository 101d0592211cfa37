import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent } from 'react';
import type { TraceSummary } from '../api-types';
import { agent, int, ms, time, usd } from '../format';
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

function Row({ t }: { t: TraceSummary }) {
  const failed = t.status >= 400;
  return (
    <>
      <span role="gridcell" className="c-time">{time(t.started_at)}</span>
      <span role="gridcell" className="c-caller" title={t.caller.agent ?? ''}>
        {t.caller.user} · {agent(t.caller.agent)}
      </span>
      <span role="gridcell" className="c-model" title={`${t.requested_model ?? '–'} → ${t.resolved_model ?? '–'}`}>
        {t.requested_model ?? '–'}
        {t.resolved_model && t.resolved_model !== t.requested_model ? ` → ${t.resolved_model}` : ''}
      </span>
      <span role="gridcell" className={failed ? 'c-status err' : 'c-status ok'} data-testid="cell-status">
        {t.status}
      </span>
      <span role="gridcell" className="c-num">{int(t.tokens_in)} / {int(t.tokens_out)}</span>
      <span role="gridcell" className="c-num">{usd(t.cost_usd)}</span>
      <span role="gridcell" className="c-num">{ms(t.duration_ms)}</span>
      <span role="gridcell" className="c-flags">
        <Badges trace={t} />
        {t.error_code && <span className="err-text" title={t.error_message ?? ''}>{t.error_code}</span>}
      </span>
    </>
  );
}

interface Props {
  traces: TraceSummary[];
  selected: number;
  onSelect: (i: number) => void;
  onOpen: (t: TraceSummary) => void;
  onNearEnd: () => void;
}

/**
 * The trace list: only the rows on screen are in the DOM, so 100k traces scroll like 100.
 * j/k or the arrows move, Enter opens; the grid keeps focus and marks the active row.
 */
export function TraceList({ traces, selected, onSelect, onOpen, onNearEnd }: Props) {
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
        {['Time', 'Caller', 'Model → resolved', 'Status', 'Tokens in / out', 'Cost', 'Latency', ''].map((h) => (
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
                <Row t={t} />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
