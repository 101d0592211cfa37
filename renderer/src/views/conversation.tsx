import type { Finding, Verdict } from '../api-types';
import { Highlighted, type Mark } from '../components/highlight';
import type { Part, Turn } from '../conversation';

/** Findings carry `detail: "input[3]"`: the side and index of the text they were found in. */
export function marksFor(verdicts: Verdict[], side: Turn['side'], slot: number | null): Mark[] {
  if (slot === null) return [];
  const marks: Mark[] = [];
  for (const v of verdicts) {
    if (v.decision === 'allow') continue;
    for (const f of v.findings) {
      if (!located(f, side, slot)) continue;
      marks.push({ start: f.start!, end: f.end!, className: `mark-finding mark-${v.decision}`, title: `${v.tier}: ${v.rule} (${f.type})` });
    }
  }
  return marks;
}

function located(f: Finding, side: Turn['side'], slot: number): boolean {
  if (f.start === undefined || f.end === undefined || f.detail === undefined) return false;
  const m = /^(input|output)\[(\d+)\]$/.exec(f.detail);
  return m !== null && m[1] === side && Number(m[2]) === slot;
}

function PartView({ part, side, verdicts }: { part: Part; side: Turn['side']; verdicts: Verdict[] }) {
  if (part.kind === 'text') {
    return (
      <div className="part-text">
        <Highlighted text={part.text} marks={marksFor(verdicts, side, part.slot)} />
      </div>
    );
  }
  if (part.kind === 'tool_call') {
    return (
      <div className="part-tool" data-testid="tool-call">
        <div className="part-label">tool call · {part.name}</div>
        <pre>{part.args}</pre>
      </div>
    );
  }
  return (
    <div className="part-tool result" data-testid="tool-result">
      <div className="part-label">tool result{part.id ? ` · ${part.id}` : ''}</div>
      {part.parts.map((p, i) => (
        <PartView key={i} part={p} side={side} verdicts={verdicts} />
      ))}
    </div>
  );
}

/** The request and answer as a chat: who said what, tool calls and results, findings marked. */
export function Conversation({ turns, verdicts }: { turns: Turn[]; verdicts: Verdict[] }) {
  if (turns.length === 0) return <p className="muted">No messages in this body (logging may keep no bodies; see the raw JSON).</p>;
  return (
    <ol className="chat" data-testid="conversation">
      {turns.map((t, i) => (
        <li key={i} className={`turn turn-${t.role} turn-${t.side}`} data-testid={`turn-${t.role}`}>
          <div className="role">{t.role}</div>
          {t.parts.map((p, j) => (
            <PartView key={j} part={p} side={t.side} verdicts={verdicts} />
          ))}
        </li>
      ))}
    </ol>
  );
}
