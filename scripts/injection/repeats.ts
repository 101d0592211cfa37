/**
 * Benign text that repeats a line or a few: a log's progress and retry lines, generated code,
 * rows of a table. The features of such a text are its lines' n-grams counted many times over,
 * so a line whose n-grams lean only a little towards attacks decides a whole block. Weights
 * trained without such text flagged about one real source line in ten repeated to a window
 * ("Retrying in 5 seconds...", `let x = 1;`, `started: false,`).
 */
export function repeatedLines(rand: () => number, hosts: readonly string[], n: number, window: number): string[] {
  const out: string[] = [];
  for (let tries = 0; out.length < n && tries < n * 4; tries++) {
    const lines = hosts[Math.floor(rand() * hosts.length)]!.split('\n').filter((l) => l.trim().length >= 2 && l.length <= 160);
    if (lines.length === 0) continue;
    const picked = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => lines[Math.floor(rand() * lines.length)]!);
    // A counter in the line, as a log numbers its attempts, half of the time.
    const counted = rand() < 0.5;
    const length = window * (1 + rand());
    let text = '';
    for (let i = 0; text.length < length; i++) {
      const line = picked[i % picked.length]!;
      text += `${counted ? line.replace(/\d+/, String(i + 1)) : line}\n`;
    }
    out.push(text);
  }
  return out;
}
