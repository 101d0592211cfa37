import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/**
 * Where the wall time of a served request goes, for the bench (`GATEHOUSE_WALL_MARKS=FILE`):
 * each mark is a `performance.now()` and the process's CPU time, so a stretch whose wall time
 * exceeds its CPU time was spent waiting (on the loop, a worker, the scheduler). The medians
 * per stretch are written to FILE when the gateway closes. Only the first `requests` served
 * are marked (`GATEHOUSE_WALL_MARKS_REQUESTS`, 1,000): the bench sets it to its sequential
 * phases' count, so requests served side by side (whose CPU times overlap) are not, and the
 * load phases run without the marks' cost (a `getrusage` a mark). Off, a mark is one null check.
 */
export const MARKS = ['context', 'handler', 'admitted', 'dispatched', 'answered', 'read', 'recorded', 'sent', 'finished'] as const;
export type Mark = (typeof MARKS)[number];

/** One request's marks: [wall ms, CPU µs] per mark, in MARKS order. */
export type RequestMarks = Float64Array;

export interface WallMarks {
  /** Marks for a new request, its `context` mark taken at `t0` (wall time only: the CPU time then was not read); null once `requests` were marked. */
  start(t0: number): RequestMarks | null;
  mark(marks: RequestMarks, at: Mark): void;
  /** A request that reached `finished`: its stretches join the medians of its shape (small, large, stream). */
  done(marks: RequestMarks, shape: string): void;
  write(): void;
}

const INDEX = new Map<Mark, number>(MARKS.map((m, i) => [m, i]));

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export function createWallMarks(file: string, requests = 1_000): WallMarks {
  const shapes = new Map<string, RequestMarks[]>();
  let started = 0;
  return {
    start(t0) {
      if (started >= requests) return null;
      started++;
      const m = new Float64Array(MARKS.length * 2).fill(Number.NaN);
      m[0] = t0;
      return m;
    },
    mark(m, at) {
      const i = INDEX.get(at)! * 2;
      m[i] = performance.now();
      m[i + 1] = cpuMicros();
    },
    done(m, shape) {
      const rows = shapes.get(shape) ?? [];
      shapes.set(shape, rows);
      rows.push(m);
    },
    write() {
      const out = Object.fromEntries([...shapes].map(([shape, rows]) => [shape, summarize(rows)]));
      writeFileSync(file, `${JSON.stringify(out)}\n`);
    },
  };
}

export interface Stretch {
  from: Mark;
  to: Mark;
  requests: number;
  /** Null when no request had both marks (or, for CPU, when the first mark has none). */
  wallUs: number | null;
  cpuUs: number | null;
}

/** Median wall and CPU µs of each stretch between consecutive marks, over the requests that reached both. */
export function summarize(rows: readonly RequestMarks[]): Stretch[] {
  const out: Stretch[] = [];
  for (let i = 1; i < MARKS.length; i++) {
    const wall: number[] = [];
    const cpu: number[] = [];
    for (const m of rows) {
      const [from, to] = [(i - 1) * 2, i * 2];
      if (Number.isNaN(m[from]!) || Number.isNaN(m[to]!)) continue;
      wall.push((m[to]! - m[from]!) * 1000);
      if (!Number.isNaN(m[from + 1]!)) cpu.push(m[to + 1]! - m[from + 1]!);
    }
    out.push({ from: MARKS[i - 1]!, to: MARKS[i]!, requests: wall.length, wallUs: median(wall), cpuUs: median(cpu) });
  }
  return out;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}
