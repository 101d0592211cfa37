import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MARKS, createWallMarks, summarize, type RequestMarks } from './wall-marks.js';

/** A request's marks from [wall ms, CPU µs] pairs by mark name; the others are missing. */
function marks(at: Partial<Record<(typeof MARKS)[number], [number, number]>>): RequestMarks {
  const m = new Float64Array(MARKS.length * 2).fill(Number.NaN);
  MARKS.forEach((name, i) => {
    const v = at[name];
    if (v) [m[i * 2], m[i * 2 + 1]] = v;
  });
  return m;
}

describe('wall marks', () => {
  it('gives each stretch the median of the requests that reached both of its marks', () => {
    const rows = [
      marks({ handler: [1, 100], admitted: [1.01, 110], dispatched: [1.03, 112] }),
      marks({ handler: [2, 200], admitted: [2.03, 230], dispatched: [2.04, 231] }),
      marks({ handler: [3, 300], admitted: [3.02, 320] }),
    ];
    const byName = new Map(summarize(rows).map((s) => [`${s.from}→${s.to}`, s]));
    const admitted = byName.get('handler→admitted')!;
    expect(admitted.requests).toBe(3);
    expect(admitted.wallUs).toBeCloseTo(20, 6);
    expect(admitted.cpuUs).toBe(20);
    expect(byName.get('admitted→dispatched')).toMatchObject({ requests: 2, cpuUs: 2 });
    expect(byName.get('answered→read')).toMatchObject({ requests: 0, wallUs: null, cpuUs: null });
  });

  it('has no CPU figure for a stretch whose first mark has only a wall time', () => {
    const m = marks({ handler: [1.1, 50] });
    m[0] = 1;
    const first = summarize([m])[0]!;
    expect(first).toMatchObject({ from: 'context', to: 'handler', requests: 1, cpuUs: null });
    expect(first.wallUs).toBeCloseTo(100, 6);
  });

  it('marks only the first requests it is given, and writes their stretches by shape', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'wall-marks-')), 'marks.json');
    const wall = createWallMarks(file, 2);
    const a = wall.start(0)!;
    const b = wall.start(0)!;
    expect(wall.start(0)).toBeNull();
    for (const m of [a, b]) for (const at of MARKS.slice(1)) wall.mark(m, at);
    wall.done(a, 'small');
    wall.done(b, 'stream');
    wall.write();
    const written = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { requests: number }[]>;
    expect(Object.keys(written).sort()).toEqual(['small', 'stream']);
    expect(written.small!.every((s) => s.requests === 1)).toBe(true);
  });
});

