import type { Finding, Verdict } from '../api-types';
import { Clipped } from '../components/clipped';
import { Highlighted, type Mark } from '../components/highlight';
import type { Part, Turn } from '../conversation';

/**
 * The stored body is the text after the active tier's redactions, while each tier's findings
 * are spans of the text that tier scanned: its validators see its own redacted text, its first
 * mutator the original. A span is marked only where those texts are the stored one; a
 * redaction itself is marked by its placeholder instead.
 */
export function marksFor(verdicts: Verdict[], activeTier: string, side: Turn['side'], slot: number | null): Mark[] {
  if (slot === null) return [];
  const redactions = (tier: string) =>
    verdicts
      .filter((v) => v.tier === tier && v.decision === 'mutate' && v.mode !== 'audit')
      .flatMap((v) => v.findings.filter((f) => located(f, side, slot)).map((f) => `${f.start}-${f.end}-${f.type}`))
      .sort()
      .join();
  const stored = redactions(activeTier);
  const marks: Mark[] = [];
  for (const v of verdicts) {
    if (v.decision === 'allow') continue;
    const aligned = v.decision === 'mutate' ? stored === '' : redactions(v.tier) === stored;
    if (!aligned) continue;
    for (const f of v.findings) {
      if (!located(f, side, slot)) continue;
      marks.push({ start: f.start!, end: f.end!, className: `mark-finding mark-${v.decision}`, title: `${v.tier}: ${v.rule} (${f.type}${v.mode === 'audit' ? ', audit: recorded, not enforced' : ''})` });
    }
  }
  return marks;
}

function located(f: Finding, side: Turn['side'], slot: number): boolean {
  if (f.start === undefined || f.end === undefined || f.detail === undefined) return false;
  const m = /^(input|output)\[(\d+)\]$/.exec(f.detail);
  return m !== null && m[1] === side && Number(m[2]) === slot;
}

function PartView({ part, side, verdicts, tier }: { part: Part; side: Turn['side']; verdicts: Verdict[]; tier: string }) {
  if (part.kind === 'text') {
    return (
      <div className="part-text">
        <Clipped text={part.text} render={(shown) => <Highlighted text={shown} marks={marksFor(verdicts, tier, side, part.slot)} />} />
      </div>
    );
  }
  if (part.kind === 'tool_call') {
    return (
      <div className="part-tool" data-testid="tool-call">
        <div className="part-label">tool call · {part.name}</div>
        <Clipped text={part.args} render={(shown) => <pre>{shown}</pre>} />
      </div>
    );
  }
  return (
    <div className="part-tool result" data-testid="tool-result">
      <div className="part-label">tool result{part.id ? ` · ${part.id}` : ''}</div>
      {part.parts.map((p, i) => (
        <PartView key={i} part={p} side={side} verdicts={verdicts} tier={tier} />
      ))}
    </div>
  );
}

/** The request and answer as a chat: who said what, tool calls and results, findings marked. */
export function Conversation({ turns, verdicts, tier }: { turns: Turn[]; verdicts: Verdict[]; tier: string }) {
  if (turns.length === 0) return <p className="muted">No messages in this body (logging may keep no bodies; see the raw JSON).</p>;
  return (
    <ol className="chat" data-testid="conversation">
      {turns.map((t, i) => (
        <li key={i} className={`turn turn-${t.role} turn-${t.side}`} data-testid={`turn-${t.role}`}>
          <div className="role">{t.role}</div>
          {t.parts.map((p, j) => (
            <PartView key={j} part={p} side={t.side} verdicts={verdicts} tier={tier} />
          ))}
        </li>
      ))}
    </ol>
  );
}
