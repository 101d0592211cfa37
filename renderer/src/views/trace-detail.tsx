import { useEffect, useMemo, useState } from 'react';
import { useApi } from '../api';
import type { Trace } from '../api-types';
import { Clipped } from '../components/clipped';
import { Failure, Loading } from '../components/states';
import { requestTurns, responseTurns } from '../conversation';
import { agent, int, ms, time } from '../format';
import { href, navigate } from '../router';
import { Conversation } from './conversation';
import { isTyping } from './trace-filters';
import { VerdictColumns } from './verdicts';
import { Waterfall } from './waterfall';

/** Why the request failed or was refused, and what to do: the first thing a failed trace shows. */
function Why({ trace }: { trace: Trace }) {
  const blocking = trace.verdicts.filter((v) => v.enforced && v.decision === 'block' && v.mode !== 'audit');
  if (trace.status < 400 && blocking.length === 0) return null;
  return (
    <section className="why" role="alert" data-testid="why">
      <h2>
        {trace.status} {trace.error_code ?? 'failed'}
      </h2>
      {trace.error_message && !blocking.some((v) => trace.error_message?.includes(v.reason)) && <p data-testid="why-error">{trace.error_message}</p>}
      {blocking.map((v, i) => (
        <p key={i} data-testid="why-verdict">
          <strong>
            {v.tier} · {v.rule}:
          </strong>{' '}
          {v.reason}
        </p>
      ))}
    </section>
  );
}

function Header({ trace }: { trace: Trace }) {
  return (
    <dl className="facts">
      <div><dt>time</dt><dd>{time(trace.started_at)}</dd></div>
      <div><dt>caller</dt><dd>{trace.caller.user}{trace.caller.team ? ` (${trace.caller.team})` : ''} · {agent(trace.caller.agent)}</dd></div>
      <div><dt>api</dt><dd>{trace.method} {trace.path}</dd></div>
      {trace.tool ? (
        <div><dt>{trace.tool.kind ?? 'tool'}</dt><dd data-testid="detail-tool">{trace.tool.exposed} (MCP server {trace.tool.server}{trace.tool.kind === 'resource' ? '' : `, ${trace.tool.kind ?? 'tool'} ${trace.tool.name}`})</dd></div>
      ) : (
        <div><dt>model</dt><dd>{trace.requested_model ?? '–'} → {trace.resolved_model ?? '–'}{trace.provider ? ` (${trace.provider})` : ''}</dd></div>
      )}
      <div><dt>status</dt><dd className={trace.status >= 400 ? 'err' : 'ok'}>{trace.status}{trace.stream ? ' · stream' : ''}</dd></div>
      <div><dt>tokens</dt><dd>{int(trace.tokens_in)} in / {int(trace.tokens_out)} out{trace.tokens_cached ? ` / ${int(trace.tokens_cached)} cached` : ''}</dd></div>
      <div><dt>latency</dt><dd>{ms(trace.duration_ms)}</dd></div>
      {Object.keys(trace.metadata).length > 0 && <div><dt>metadata</dt><dd>{Object.entries(trace.metadata).map(([k, v]) => `${k}=${v}`).join(' · ')}</dd></div>}
    </dl>
  );
}

/** A tool call's arguments and result (or error), as the gateway forwarded and answered them; a prompt's arguments and messages; a resource's contents. */
function ToolCall({ trace }: { trace: Trace }) {
  const req = (trace.request_body ?? {}) as { arguments?: unknown };
  const kind = trace.tool?.kind;
  return (
    <>
      {kind !== 'resource' && (
        <>
          <h2>Arguments</h2>
          <Clipped text={JSON.stringify(req.arguments ?? {}, null, 2)} render={(shown) => <pre className="raw" data-testid="tool-arguments">{shown}</pre>} />
        </>
      )}
      <h2>{kind === 'prompt' ? 'Messages' : kind === 'resource' ? 'Contents' : 'Result'}</h2>
      <Clipped text={JSON.stringify(trace.response_body, null, 2)} render={(shown) => <pre className="raw" data-testid="tool-result">{shown}</pre>} />
    </>
  );
}

export function TraceDetailView({ id }: { id: string }) {
  const { data: trace, error, loading } = useApi<Trace>(`/api/traces/${encodeURIComponent(id)}`);
  const [raw, setRaw] = useState(false);
  const turns = useMemo(() => (trace ? [...requestTurns(trace.request_body), ...responseTurns(trace.response_body)] : []), [trace]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || isTyping(e.target)) return;
      // Back keeps the list's filters and scroll; a detail opened from a link has nothing to go back to.
      if (history.length > 1) history.back();
      else navigate('traces');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (loading) return <Loading />;
  if (error || !trace) return error ? <Failure error={error} missing="This gateway has no trace detail endpoint." /> : null;
  return (
    <article className="detail" data-testid="trace-detail">
      <p>
        <a href={href('traces')} data-testid="back">← Traces</a> <span className="muted">(Esc) · {trace.id}</span>
      </p>
      <Why trace={trace} />
      <Header trace={trace} />
      <h2>Verdicts by tier</h2>
      <VerdictColumns trace={trace} />
      <h2>Stages</h2>
      <Waterfall phases={trace.phases} total={trace.duration_ms} />
      {trace.tool && <ToolCall trace={trace} />}
      <h2>
        {trace.tool ? 'Raw' : 'Conversation'}{' '}
        <button type="button" onClick={() => setRaw((r) => !r)} aria-pressed={raw} data-testid="raw-toggle">
          {raw ? 'Show as chat' : 'Raw JSON'}
        </button>
      </h2>
      {raw ? (
        <Clipped
          text={JSON.stringify({ request: trace.request_body, response: trace.response_body, request_headers: trace.request_headers, response_headers: trace.response_headers }, null, 2)}
          render={(shown) => <pre className="raw" data-testid="raw-json">{shown}</pre>}
        />
      ) : trace.tool ? null : (
        <Conversation turns={turns} verdicts={trace.verdicts} tier={trace.tier} />
      )}
    </article>
  );
}
