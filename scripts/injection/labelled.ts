/**
 * Labelled sets written by people, for train.ts: the committed ones in
 * test/fixtures/injection/people/*.jsonl, learned whole, and those GATEHOUSE_INJECTION_EXTRA names.
 * One JSON object a line: `{"text", "injection", "kind", "family" or "category"}`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const PEOPLE_DIR = 'test/fixtures/injection/people';

const Line = z.object({
  text: z.string(),
  injection: z.boolean(),
  /** Who the text is from, which sets its bar: `user` (the default), `tool` (tool output and documents) or `system`. */
  kind: z.string().optional(),
  category: z.string().optional(),
  family: z.string().optional(),
});

export interface Labelled {
  text: string;
  y: number;
  kind: string;
  /** The set's index, for the held-out report. */
  set: number;
  /** Learned from whole, none of it held out. */
  all: boolean;
  category: string;
}

export interface LabelledFile {
  path: string;
  all: boolean;
}

/** The committed people-written sets, in name order; none (a directory holding its README alone) is fine. */
export function peopleFiles(dir: string): LabelledFile[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.jsonl'))
    .sort()
    .map((n) => ({ path: join(dir, n), all: true }));
}

/** GATEHOUSE_INJECTION_EXTRA's comma-separated paths; one ending in `@all` is learned from whole. */
export function extraFiles(env: string | undefined): LabelledFile[] {
  return (env ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '')
    .map((f) => ({ path: f.replace(/@all$/, ''), all: f.endsWith('@all') }));
}

export function readLabelled(files: readonly LabelledFile[]): Labelled[] {
  return files.flatMap(({ path, all }, set) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .map((l, i) => [l, i + 1] as const)
      .filter(([l]) => l.trim())
      .map(([l, n]) => {
        const o = Line.safeParse(JSON.parse(l));
        if (!o.success) throw new Error(`${path}:${n}: every line needs a string "text" and a boolean "injection" (${o.error.issues.map((x) => x.path.join('.')).join(', ')})`);
        const d = o.data;
        return { text: d.text, y: d.injection ? 1 : 0, kind: d.kind ?? 'user', set, all, category: d.category ?? d.family ?? '' };
      }),
  );
}
