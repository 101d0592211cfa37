import { hash } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';

/**
 * Request and response bodies, stored content-addressed.
 *
 * An agent resends its whole conversation every turn, so turn 50 carries turns 1–49 again.
 * Each element of a top-level array field (a message, a tool) is stored once as a blob and
 * referenced by its integer id; a trace row keeps only a small skeleton:
 *
 *   {"i":{"model":"gpt-4o","stream":true},"a":{"messages":[12,13,57]},"b":{"tools":9},"k":[...]}
 *
 * `i` holds small fields inline, `a` array fields as blob ids, `b` large fields as one blob
 * each, and `k` the original key order when it differs from i, a, b order. A body that is not
 * an object (an SSE stream, an array, null) is one blob: `{"s":id}` for a string stored as
 * its own text, `{"j":id}` for any other JSON. SQL NULL stands for no body (undefined).
 *
 * Blobs are never rewritten; a blob no skeleton references any more can be deleted.
 */

/** A field whose JSON is at least this long is worth a blob; smaller ones stay inline. */
export const INLINE_LIMIT = 256;

/** How much recently stored content (UTF-16 code units) is remembered with its blob id. */
const KNOWN_LIMIT = 8 * 1024 * 1024;

/** Stores a piece of content (if new) and returns its blob id. */
export type Intern = (data: string) => number;
/** Returns the content of a blob id. */
export type Fetch = (id: number) => string;

interface ObjectSkeleton {
  i?: Record<string, unknown>;
  a?: Record<string, number[]>;
  b?: Record<string, number>;
  k?: string[];
}
interface WholeSkeleton {
  s?: number;
  j?: number;
}
type Skeleton = ObjectSkeleton & WholeSkeleton;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON text of a value; `undefined` (not valid JSON) becomes `null` as in JSON arrays. */
function json(v: unknown): string {
  return JSON.stringify(v) ?? 'null';
}

/**
 * Splits a body into blobs (through `intern`) and returns the skeleton to keep in the trace
 * row, or null for no body. `decodeBody(encodeBody(x, intern), fetch)` deep-equals `x`, keys
 * in the same order.
 */
export function encodeBody(body: unknown, intern: Intern): string | null {
  if (body === undefined) return null;
  if (typeof body === 'string') return `{"s":${intern(body)}}`;
  if (!isPlainObject(body)) return `{"j":${intern(json(body))}}`;
  // No prototype: a body key "__proto__" must become a property, not replace the prototype.
  const i: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const a: Record<string, number[]> = Object.create(null) as Record<string, number[]>;
  const b: Record<string, number> = Object.create(null) as Record<string, number>;
  const keys: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue; // JSON drops it too
    keys.push(key);
    if (Array.isArray(value)) {
      a[key] = value.map((el) => intern(json(el)));
      continue;
    }
    const text = json(value);
    if (text.length >= INLINE_LIMIT) b[key] = intern(text);
    else i[key] = value;
  }
  return JSON.stringify(objectSkeleton(keys, i, a, b));
}

function objectSkeleton(keys: string[], i: Record<string, unknown>, a: Record<string, number[]>, b: Record<string, number>): ObjectSkeleton {
  const skel: ObjectSkeleton = {};
  const natural: string[] = [];
  for (const [name, part] of [['i', i], ['a', a], ['b', b]] as const) {
    const partKeys = Object.keys(part);
    if (partKeys.length === 0) continue;
    natural.push(...partKeys);
    // Typed per branch; the tuple above loses the link between name and value type.
    (skel as Record<string, unknown>)[name] = part;
  }
  // Spelling out the order costs bytes in every row; only pay it when it is needed.
  if (!sameOrder(keys, natural)) skel.k = keys;
  return skel;
}

function sameOrder(x: readonly string[], y: readonly string[]): boolean {
  return x.length === y.length && x.every((v, idx) => v === y[idx]);
}

/** Rebuilds a body from its skeleton; the inverse of `encodeBody`. */
export function decodeBody(skeleton: string | null, fetch: Fetch): unknown {
  if (skeleton === null) return undefined;
  const skel = JSON.parse(skeleton) as Skeleton;
  if (skel.s !== undefined) return fetch(skel.s);
  if (skel.j !== undefined) return JSON.parse(fetch(skel.j)) as unknown;
  const i = skel.i ?? {};
  const a = skel.a ?? {};
  const b = skel.b ?? {};
  const keys = skel.k ?? [...Object.keys(i), ...Object.keys(a), ...Object.keys(b)];
  // fromEntries defines own properties, so a "__proto__" key stays data, not a prototype.
  return Object.fromEntries(keys.map((key) => [key, field(key, i, a, b, fetch)]));
}

function field(key: string, i: Record<string, unknown>, a: Record<string, number[]>, b: Record<string, number>, fetch: Fetch): unknown {
  if (Object.hasOwn(a, key)) return a[key]!.map((id) => JSON.parse(fetch(id)) as unknown);
  if (Object.hasOwn(b, key)) return JSON.parse(fetch(b[key]!)) as unknown;
  return i[key];
}

/**
 * SQL selecting the blob ids that the skeleton in `column` references: every integer in it
 * outside the inline fields. This is how search and retention find a trace's blobs; a link
 * table would need a row per (trace, message), growing with the square of a conversation.
 */
export function skeletonRefsSql(column: string): string {
  return `SELECT jt.value FROM json_tree(${column}) jt WHERE jt.type = 'integer' AND jt.fullkey NOT LIKE '$.i.%'`;
}

/**
 * The blob ids a skeleton references, once per reference (a blob two messages share counts
 * twice): the same list `skeletonRefsSql` selects, counted up on insert and down by retention.
 */
export function skeletonRefs(skeleton: string | null): number[] {
  if (skeleton === null) return [];
  const skel = JSON.parse(skeleton) as Skeleton;
  const ids: number[] = [];
  if (skel.s !== undefined) ids.push(skel.s);
  if (skel.j !== undefined) ids.push(skel.j);
  for (const list of Object.values(skel.a ?? {})) ids.push(...list);
  ids.push(...Object.values(skel.b ?? {}));
  return ids;
}

/**
 * The blob side of the store, with its statements prepared once. Its writing methods must
 * run inside the caller's transaction so a trace and its blobs commit together.
 */
export class BodyStore {
  private readonly selectId: Statement<[Buffer], number>;
  private readonly insertBlob: Statement<[Buffer, string, number]>;
  private readonly selectData: Statement<[number], string>;
  private readonly addRefs: Statement<[number, number]>;
  /**
   * Recently stored content and its blob id, oldest first. Turn 50 of a conversation resends
   * turns 1–49: remembering them skips a sha256 and a lookup for each.
   */
  private readonly known = new Map<string, number>();
  private knownSize = 0;

  constructor(db: Database) {
    this.selectId = db.prepare<[Buffer], number>('SELECT id FROM blobs WHERE hash = ?').pluck();
    this.insertBlob = db.prepare<[Buffer, string, number]>('INSERT INTO blobs (hash, data, size) VALUES (?, ?, ?)');
    this.selectData = db.prepare<[number], string>('SELECT data FROM blobs WHERE id = ?').pluck();
    this.addRefs = db.prepare<[number, number]>('INSERT INTO blob_refs (blob_id, refs) VALUES (?, ?) ON CONFLICT (blob_id) DO UPDATE SET refs = refs + excluded.refs');
  }

  /** Stores a body's new blobs and returns its skeleton. Call inside a transaction. */
  put(body: unknown): string | null {
    return encodeBody(body, this.intern);
  }

  /** Counts a stored trace's references to its blobs (its two skeletons). Call inside the trace's transaction. */
  countRefs(...skeletons: (string | null)[]): void {
    const counts = new Map<number, number>();
    for (const s of skeletons) for (const id of skeletonRefs(s)) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const [id, n] of counts) this.addRefs.run(id, n);
  }

  /** Rebuilds a body from a skeleton stored by `put`. */
  get(skeleton: string | null): unknown {
    return decodeBody(skeleton, (id) => this.data(id));
  }

  /** Drops the remembered ids: after a rolled-back transaction some of them were never stored. */
  forget(): void {
    this.known.clear();
    this.knownSize = 0;
  }

  private readonly intern = (data: string): number => {
    const remembered = this.known.get(data);
    if (remembered !== undefined) {
      // Move to the newest end, so what a live conversation keeps resending stays known.
      this.known.delete(data);
      this.known.set(data, remembered);
      return remembered;
    }
    const digest = hash('sha256', data, 'buffer');
    // Look up first: in a conversation most pieces already exist, and a failed INSERT OR
    // IGNORE would still cost a write attempt and a second query for the id.
    const id = this.selectId.get(digest) ?? Number(this.insertBlob.run(digest, data, Buffer.byteLength(data)).lastInsertRowid);
    this.remember(data, id);
    return id;
  };

  private remember(data: string, id: number): void {
    if (data.length > KNOWN_LIMIT / 4) return;
    this.known.set(data, id);
    this.knownSize += data.length;
    for (const [oldest] of this.known) {
      if (this.knownSize <= KNOWN_LIMIT) break;
      this.known.delete(oldest);
      this.knownSize -= oldest.length;
    }
  }

  private data(id: number): string {
    const data = this.selectData.get(id);
    if (data === undefined) throw new Error(`Body blob ${id} is missing from the trace store; the database was modified outside Gatehouse.`);
    return data;
  }
}
