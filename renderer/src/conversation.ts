/**
 * A trace's request and answer as chat turns, for Chat Completions, Messages and Responses
 * bodies alike. Every text gets the index the policy engine's text list gives it
 * (local-gateway/contracts/texts.ts walks the same fields in the same order), so a
 * guardrail finding `input[3]` 9–25 lands on the right characters.
 * This walk stays beside the shared one because only the dashboard needs turns (roles, tool
 * calls and their results); test/dashboard-slots.test.ts holds its slot order to the engine's.
 */
import { streamText } from '../../local-gateway/contracts/texts.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export type Part =
  | { kind: 'text'; text: string; slot: number | null }
  | { kind: 'tool_call'; name: string; args: string; id: string | null }
  | { kind: 'tool_result'; id: string | null; parts: Part[] };

export interface Turn {
  role: string;
  parts: Part[];
  side: 'input' | 'output';
}

class Slots {
  next = 0;
  take(): number {
    return this.next++;
  }
}

const stringify = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v, null, 2));

/** Parts of a message content: a string, or parts with `text`; tool results one level down. */
function contentParts(v: unknown, slots: Slots | null): Part[] {
  if (typeof v === 'string') return [{ kind: 'text', text: v, slot: slots?.take() ?? null }];
  if (!Array.isArray(v)) return [];
  const out: Part[] = [];
  for (const part of v) {
    if (!isObj(part)) continue;
    if (typeof part.text === 'string') out.push({ kind: 'text', text: part.text, slot: slots?.take() ?? null });
    if (part.type === 'tool_result') out.push({ kind: 'tool_result', id: typeof part.tool_use_id === 'string' ? part.tool_use_id : null, parts: contentParts(part.content, slots) });
    else if (part.type === 'tool_use') out.push({ kind: 'tool_call', name: String(part.name), args: stringify(part.input), id: typeof part.id === 'string' ? part.id : null });
    else if (part.type === 'function_call') out.push({ kind: 'tool_call', name: String(part.name), args: stringify(part.arguments), id: typeof part.call_id === 'string' ? part.call_id : null });
  }
  return out;
}

function toolCalls(m: Obj): Part[] {
  if (!Array.isArray(m.tool_calls)) return [];
  return m.tool_calls.filter(isObj).map((c) => {
    const fn = isObj(c.function) ? c.function : {};
    return { kind: 'tool_call', name: String(fn.name ?? '?'), args: stringify(fn.arguments ?? ''), id: typeof c.id === 'string' ? c.id : null };
  });
}

function messageTurn(m: Obj, slots: Slots, side: Turn['side']): Turn {
  const role = typeof m.role === 'string' ? m.role : typeof m.type === 'string' ? m.type : 'message';
  const parts = contentParts(m.content, slots);
  if (role === 'tool') return { role, side, parts: [{ kind: 'tool_result', id: typeof m.tool_call_id === 'string' ? m.tool_call_id : null, parts }] };
  return { role, side, parts: [...parts, ...toolCalls(m)] };
}

/** A Responses input or output item that is not a message. */
function itemTurn(item: Obj, slots: Slots, side: Turn['side']): Turn {
  if (item.type === 'function_call') {
    return { role: 'assistant', side, parts: [{ kind: 'tool_call', name: String(item.name), args: stringify(item.arguments), id: typeof item.call_id === 'string' ? item.call_id : null }] };
  }
  if (item.type === 'function_call_output') {
    // The engine scans a request's tool output when it is text, so it has a slot there.
    const slot = side === 'input' && typeof item.output === 'string' ? slots.take() : null;
    return { role: 'tool', side, parts: [{ kind: 'tool_result', id: typeof item.call_id === 'string' ? item.call_id : null, parts: [{ kind: 'text', text: stringify(item.output), slot }] }] };
  }
  return messageTurn(item, slots, side);
}

export function requestTurns(body: unknown): Turn[] {
  if (!isObj(body)) return [];
  const slots = new Slots();
  const turns: Turn[] = [];
  const system = contentParts(body.system, slots);
  if (system.length) turns.push({ role: 'system', side: 'input', parts: system });
  if (typeof body.instructions === 'string') turns.push({ role: 'system', side: 'input', parts: [{ kind: 'text', text: body.instructions, slot: slots.take() }] });
  if (Array.isArray(body.messages)) for (const m of body.messages) if (isObj(m)) turns.push(messageTurn(m, slots, 'input'));
  const input = body.input;
  if (typeof input === 'string') turns.push({ role: 'user', side: 'input', parts: [{ kind: 'text', text: input, slot: slots.take() }] });
  else if (Array.isArray(input)) {
    for (const item of input) {
      if (typeof item === 'string') turns.push({ role: 'user', side: 'input', parts: [{ kind: 'text', text: item, slot: slots.take() }] });
      else if (isObj(item)) turns.push(itemTurn(item, slots, 'input'));
    }
  }
  return turns;
}

export function responseTurns(body: unknown): Turn[] {
  const slots = new Slots();
  if (typeof body === 'string') {
    const text = body.includes('data:') ? streamText(body) : body;
    return text ? [{ role: 'assistant', side: 'output', parts: [{ kind: 'text', text, slot: slots.take() }] }] : [];
  }
  if (!isObj(body)) return [];
  const turns: Turn[] = [];
  if (Array.isArray(body.choices)) for (const c of body.choices) if (isObj(c) && isObj(c.message)) turns.push(messageTurn(c.message, slots, 'output'));
  if (Array.isArray(body.content)) turns.push({ role: 'assistant', side: 'output', parts: contentParts(body.content, slots) });
  if (Array.isArray(body.output)) for (const item of body.output) if (isObj(item)) turns.push(itemTurn(item, slots, 'output'));
  return turns;
}
