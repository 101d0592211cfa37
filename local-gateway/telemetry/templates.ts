import { SpanStatusCode } from '@opentelemetry/api';
import type { ShapedSpan } from './encode.js';
import { lengthEnd, readField, readFields, varintSize } from './protobuf.js';

/**
 * Where a template's fixed-width fields sit, from the start of its bytes (the span's field
 * tag): its ids (`parentSpanId` -1 when it has no parent), its times, and a request span's
 * own attributes (the ones after its first), each value's bytes as `slots` in their order.
 */
export interface Template {
  bytes: Buffer;
  traceId: number;
  spanId: number;
  parentSpanId: number;
  start: number;
  end: number;
  slots: Slot[];
}

/** Where an attribute's value sits in a template, and of what kind and width (see `valueCode`). */
export interface Slot {
  at: number;
  code: number;
}

/** A span's template from its bytes as the serializer made them, its fields of fixed width found where the serializer put them. */
export function template(bytes: Uint8Array, slots: Slot[]): Template {
  const fields = new Map(readFields(bytes, lengthEnd(bytes, 1), bytes.length).map((f) => [f.number, f]));
  const offset = (n: number, width: number) => {
    const f = fields.get(n);
    if (f === undefined || f.end - f.value !== width) throw new Error(`a span's field ${n} is not ${width} bytes wide`);
    return f.value;
  };
  return { bytes: Buffer.from(bytes), traceId: offset(1, 16), spanId: offset(2, 8), parentSpanId: fields.has(4) ? offset(4, 8) : -1, start: offset(7, 8), end: offset(8, 8), slots };
}

/**
 * What an attribute value's encoding is, for a template: its kind in the low two bits, and
 * for a string or an integer its width in bytes above them; -1 for a value no template takes
 * (a string not all ASCII, a negative or unsafe integer, an array, NaN). Two values of one
 * code are encoded in the same bytes but for the value's own, and so are the KeyValues.
 */
export function valueCode(value: unknown): number {
  if (typeof value === 'string') return value.length === Buffer.byteLength(value) ? value.length * 4 + STRING : -1;
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return value >= 0 && value <= Number.MAX_SAFE_INTEGER ? varintSize(value) * 4 + INT : -1;
    return Number.isFinite(value) ? DOUBLE : -1;
  }
  return typeof value === 'boolean' ? BOOLEAN : -1;
}
export const STRING = 0;
export const INT = 1;
export const DOUBLE = 2;
export const BOOLEAN = 3;

/** A step of the request templates' tree: the template of the spans that came this way, and the ways on, by name and code. */
interface Step {
  template?: Template;
  next?: Map<string, Map<number, Step>>;
}

/**
 * Request span templates. A request span's encoding is its first attributes' (the same for
 * each `stable.key`, which also names its span name and outcome) and its own attributes',
 * whose names and value codes vary; everything else is its ids and times. So its template
 * is found by its `stable.key`, then its name, kind and parent, then each own attribute's
 * name and value code in turn, without making a key per span. Spans with events, links,
 * dropped counts, trace state or an error status are left to the serializer.
 */
export class RequestTemplates {
  private readonly roots = new Map<string, Step>();
  /** Steps made: the tree is emptied when it reaches MAX_STEPS (only distinct shapes add to it). */
  private steps = 0;

  /** Whether a span can have a template at all. */
  wants(span: ShapedSpan): boolean {
    return (
      span.stable !== undefined &&
      span.stable.count > 0 &&
      span.ids !== undefined &&
      span.events.length === 0 &&
      span.links.length === 0 &&
      span.droppedAttributesCount === 0 &&
      span.droppedEventsCount === 0 &&
      span.droppedLinksCount === 0 &&
      span.status.code === SpanStatusCode.UNSET &&
      span.status.message === undefined &&
      span.spanContext().traceState === undefined
    );
  }

  get(span: ShapedSpan): Template | undefined {
    if (!this.wants(span)) return undefined;
    return this.walk(span, false)?.template;
  }

  /** Keeps the template of a span the serializer encoded as `bytes`, if its own attributes are of kinds a template takes. */
  learn(span: ShapedSpan, bytes: Uint8Array): void {
    const step = this.walk(span, true);
    if (step === undefined || step.template !== undefined) return;
    const fields = readFields(bytes, lengthEnd(bytes, 1), bytes.length).filter((f) => f.number === 9);
    const own = fields.slice(span.stable!.count);
    const slots: Slot[] = [];
    let i = 0;
    for (const key in span.attributes) {
      if (i++ < span.stable!.count) continue;
      const kv = own[slots.length];
      if (kv === undefined) return;
      // KeyValue { 1: key, 2: AnyValue { one field: the value } }
      const value = readFields(bytes, kv.value, kv.end).find((f) => f.number === 2);
      if (value === undefined) return;
      const any = readField(bytes, value.value);
      const code = valueCode(span.attributes[key]);
      const kind = code & 3;
      const width = kind === DOUBLE ? 8 : kind === BOOLEAN ? 1 : code >> 2;
      if (any.end - any.value !== width) return;
      slots.push({ at: any.value, code });
    }
    if (slots.length !== own.length) return;
    step.template = template(bytes, slots);
  }

  /** The step a span's encoding leads to; made on the way when `make`; undefined where it has none, or a value no template takes. */
  private walk(span: ShapedSpan, make: boolean): Step | undefined {
    if (make && this.steps >= MAX_STEPS) {
      this.roots.clear();
      this.steps = 0;
    }
    const key = span.stable!.key;
    let step = this.roots.get(key);
    if (step === undefined) {
      if (!make) return undefined;
      this.roots.set(key, (step = {}));
      this.steps++;
    }
    const parent = span.parentSpanContext === undefined ? 0 : span.parentSpanContext.isRemote ? 2 : 1;
    step = this.on(step, span.name, (span.kind * 4 + parent) * 256 + span.spanContext().traceFlags, make);
    let i = 0;
    for (const name in span.attributes) {
      if (step === undefined) return undefined;
      if (i++ < span.stable!.count) continue;
      const code = valueCode(span.attributes[name]);
      if (code < 0) return undefined;
      step = this.on(step, name, code, make);
    }
    return step;
  }

  private on(step: Step, name: string, code: number, make: boolean): Step | undefined {
    let byCode = step.next?.get(name);
    if (byCode === undefined) {
      if (!make) return undefined;
      step.next ??= new Map();
      step.next.set(name, (byCode = new Map()));
    }
    let next = byCode.get(code);
    if (next === undefined && make) {
      byCode.set(code, (next = {}));
      this.steps++;
    }
    return next;
  }
}

/** Steps of the request templates' tree kept at most: a request span's shape is some twenty of them. */
const MAX_STEPS = 32_768;
