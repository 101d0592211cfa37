/**
 * Failure switches the guardrail-service stand-ins share, picked by a marker in the text
 * sent, so a test can trigger them through the gateway with an ordinary prompt:
 * `[[status:500]]` answers that status in the service's error shape, `[[slow]]` never
 * answers (until the caller aborts and the socket closes), `[[malformed]]` answers 200 with
 * a body that is not JSON. A stand-in's `mode` forces one for every request.
 */
import type { ServerResponse } from 'node:http';

export type Switch = { kind: 'status'; status: number } | { kind: 'slow' } | { kind: 'malformed' };

export function switchIn(texts: readonly string[], forced: Switch | null): Switch | null {
  if (forced) return forced;
  for (const t of texts) {
    const status = /\[\[status:(\d{3})\]\]/.exec(t);
    if (status) return { kind: 'status', status: Number(status[1]) };
    if (t.includes('[[slow]]')) return { kind: 'slow' };
    if (t.includes('[[malformed]]')) return { kind: 'malformed' };
  }
  return null;
}

/** Plays a switch; `errorBody` is the service's own error shape for a status. */
export function play(res: ServerResponse, sw: Switch, errorBody: (status: number) => { body: unknown; headers?: Record<string, string> }, onAbandoned?: () => void): void {
  if (sw.kind === 'slow') {
    // Headers never come: the caller's timeout is what ends this, by closing the connection.
    if (onAbandoned) res.once('close', onAbandoned);
    return;
  }
  if (sw.kind === 'malformed') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"results": [{"flagged": tru');
    return;
  }
  const { body, headers = {} } = errorBody(sw.status);
  const payload = JSON.stringify(body);
  res.writeHead(sw.status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), ...headers });
  res.end(payload);
}

/** `[[flag:<category>]]` and `[[flag:<category>:<level>]]` markers in a text. */
export function flagsIn(text: string): { category: string; level: number | null }[] {
  return [...text.matchAll(/\[\[flag:([A-Za-z/_-]+)(?::(\d))?\]\]/g)].map((m) => ({ category: m[1]!, level: m[2] === undefined ? null : Number(m[2]) }));
}
