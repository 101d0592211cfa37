import { SpanStatusCode, type Attributes, type HrTime } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { StableAttributes, TraceIds } from './spans.js';

/**
 * A batch's traces as OTLP export requests, by the official serializers of
 * `@opentelemetry/otlp-transformer`, each request at most `maxBytes` (collectors refuse larger
 * ones: gRPC's 4 MB, a few MB over HTTP), whole traces in each.
 *
 * Protobuf: the official serializer costs about 2 µs per span, and eleven of a trace's twelve
 * spans are stage spans that differ from trace to trace only in their ids and times, fields of
 * fixed width. So a stage span is encoded by the official serializer once per stage, as a
 * template, and each later one is that template with its ids and times written over. A
 * request span likewise, by the shape of its attributes: the same first attributes (those
 * that repeat from trace to trace, telemetry/spans.ts) and own attributes of the same names,
 * kinds and widths (`RequestTemplates`), so only their values are written over. What has no
 * fixed shape (events, a client's `tracestate`, an error status, a value of no fixed width)
 * goes through the serializer per trace, its first attributes from the serializer's bytes for
 * the last span with the same ones. The spans keep their order and the request's framing
 * (resource, scope) is the serializer's own, so one request's bytes are exactly the
 * serializer's for the same spans (telemetry/encode.test.ts).
 */

/** One export request: its bytes and how many traces and spans it holds. */
export interface EncodedRequest {
  bytes: Uint8Array;
  traces: number;
  spans: number;
}

/**
 * A span whose encoding is the same for every trace but for its ids and times: the spans of
 * one `shape` share name, kind, attributes, status, flags, parent's locality, and have no
 * events, links or trace state; their ids are bytes (`ids`, the span's own at `idAt` of
 * their draw, its parent's at `ids.root`). The stage spans of telemetry/spans.ts.
 */
export interface ShapedSpan extends ReadableSpan {
  readonly shape?: object;
  readonly stable?: StableAttributes;
  readonly ids?: TraceIds;
  readonly idAt?: number;
}

export interface TraceEncoder {
  encode(traces: ReadableSpan[][]): EncodedRequest[];
}

export function traceEncoder(protocol: 'http/protobuf' | 'http/json', maxBytes: number): TraceEncoder {
  return protocol === 'http/json' ? new JsonEncoder(maxBytes) : new ProtobufEncoder(maxBytes);
}

/** JSON: the whole batch, halved until each part fits (only bodies make a batch that large). */
class JsonEncoder implements TraceEncoder {
  constructor(private readonly maxBytes: number) {}
  encode(traces: ReadableSpan[][]): EncodedRequest[] {
    const spans = traces.flat();
    const bytes = JsonTraceSerializer.serializeRequest(spans)!;
    if (bytes.length <= this.maxBytes || traces.length === 1) return [{ bytes, traces: traces.length, spans: spans.length }];
    const half = Math.ceil(traces.length / 2);
    return [...this.encode(traces.slice(0, half)), ...this.encode(traces.slice(half))];
  }
}

/**
 * Where a template's fixed-width fields sit, from the start of its bytes (the span's field
 * tag): its ids (`parentSpanId` -1 when it has no parent), its times, and a request span's
 * own attributes (the ones after its first), each value's bytes as `slots` in their order.
 */
interface Template {
  bytes: Buffer;
  traceId: number;
  spanId: number;
  parentSpanId: number;
  start: number;
  end: number;
  slots: Slot[];
}

/** Where an attribute's value sits in a template, and of what kind and width (see `valueCode`). */
interface Slot {
  at: number;
  code: number;
}

/** A field's place in encoded protobuf: its number, where its tag starts, where its value starts and ends. */
interface Field {
  number: number;
  at: number;
  value: number;
  end: number;
}

class ProtobufEncoder implements TraceEncoder {
  private readonly templates = new WeakMap<object, Template>();
  private readonly requestTemplates = new RequestTemplates();
  /** The framing of the last request the serializer made, and the resource and scope it frames. */
  private lastFrame: { resource: Resource; scope: InstrumentationScope; frame: Frame } | undefined;
  /** The encoded first attributes of request spans, by what they are (bounded: emptied when full). */
  private readonly blocks = new Map<string, Uint8Array>();
  constructor(private readonly maxBytes: number) {}

  encode(traces: ReadableSpan[][]): EncodedRequest[] {
    // Each span's template, or none: it goes through the serializer now (its shape's first, or a span of no shape).
    const templates = traces.map((spans) => spans.map((span) => this.templateOf(span)));
    // And each of the others' known first attributes, left to put back: the serializer writes the rest.
    const known: (Uint8Array | undefined)[] = [];
    const serialized: ReadableSpan[] = [];
    traces.forEach((spans, i) =>
      spans.forEach((span: ShapedSpan, j) => {
        if (templates[i]![j] !== undefined) return;
        const block = span.stable === undefined ? undefined : this.blocks.get(span.stable.key);
        known.push(block);
        serialized.push(block === undefined ? span : withoutFirst(span, span.stable!.count));
      }),
    );
    const frame = this.frameOf(traces, serialized);
    if (frame === null) return [this.whole(traces)];
    if (serialized.length === frame.spans.length && known.every((b) => b === undefined) && templates.every((t) => t.every((x) => x === undefined)) && frame.bytes.length <= this.maxBytes) {
      serialized.forEach((span, i) => this.learn(span, frame.bytes.subarray(frame.spans[i]!.at, frame.spans[i]!.end)));
      return [{ bytes: frame.bytes, traces: traces.length, spans: serialized.length }];
    }
    let next = 0;
    const chunks = traces.map((spans, i) =>
      spans.map((span, j): Chunk => {
        const template = templates[i]![j];
        if (template !== undefined) return { template, span };
        const block = known[next];
        const field = frame.spans[next++]!;
        const bytes = frame.bytes.subarray(field.at, field.end);
        const whole = block === undefined ? bytes : withAttributesFirst(bytes, block);
        this.learn(span, whole);
        return whole;
      }),
    );
    const requests: EncodedRequest[] = [];
    let from = 0;
    let size = 0;
    for (let i = 0; i < chunks.length; i++) {
      const bytes = chunks[i]!.reduce((n, c) => n + chunkLength(c), 0);
      if (i > from && frame.size(size + bytes) > this.maxBytes) {
        requests.push(frame.assemble(chunks.slice(from, i), size));
        from = i;
        size = 0;
      }
      size += bytes;
    }
    requests.push(frame.assemble(chunks.slice(from), size));
    return requests;
  }

  /**
   * The serializer's request for the spans it encodes now, taken apart; when it encodes none
   * (every span from a template), the framing of the last one, whose resource and scope every
   * span here shares. Null when the spans are framed otherwise: the batch then goes whole.
   */
  private frameOf(traces: ReadableSpan[][], serialized: ReadableSpan[]): Frame | null {
    if (serialized.length > 0) {
      const frame = splitRequest(ProtobufTraceSerializer.serializeRequest(serialized)!, serialized.length);
      this.lastFrame = frame === null ? undefined : { resource: serialized[0]!.resource, scope: serialized[0]!.instrumentationScope, frame };
    }
    const last = this.lastFrame;
    if (last === undefined) return null;
    // The framing is one resource's and one scope's: a span of another (never, from one export thread) sends the batch whole.
    if (!traces.every((spans) => spans.every((span) => span.resource === last.resource && span.instrumentationScope === last.scope))) return null;
    return serialized.length > 0 ? last.frame : { ...last.frame, bytes: new Uint8Array(0), spans: [] };
  }

  private templateOf(span: ShapedSpan): Template | undefined {
    return span.shape === undefined ? this.requestTemplates.get(span) : this.templates.get(span.shape);
  }

  /** Keeps what of a span's encoding, as the serializer made it, repeats: its shape's template, or its first attributes. */
  private learn(span: ShapedSpan, bytes: Uint8Array): void {
    if (span.stable !== undefined && !this.blocks.has(span.stable.key)) {
      const attributes = readFields(bytes, lengthEnd(bytes, 1), bytes.length).filter((f) => f.number === 9);
      if (span.stable.count === 0 || attributes.length < span.stable.count) return;
      if (this.blocks.size >= MAX_BLOCKS) this.blocks.clear();
      this.blocks.set(span.stable.key, bytes.slice(attributes[0]!.at, attributes[span.stable.count - 1]!.end));
    }
    if (span.shape === undefined) {
      if (this.requestTemplates.wants(span)) this.requestTemplates.learn(span, bytes);
      return;
    }
    if (!this.templates.has(span.shape)) this.templates.set(span.shape, template(bytes, []));
  }

  /** The batch through the serializer as it is, when its framing is not the one resource and scope every span shares. */
  private whole(traces: ReadableSpan[][]): EncodedRequest {
    const spans = traces.flat();
    return { bytes: ProtobufTraceSerializer.serializeRequest(spans)!, traces: traces.length, spans: spans.length };
  }
}

/** A span's template from its bytes as the serializer made them, its fields of fixed width found where the serializer put them. */
function template(bytes: Uint8Array, slots: Slot[]): Template {
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
function valueCode(value: unknown): number {
  if (typeof value === 'string') return value.length === Buffer.byteLength(value) ? value.length * 4 + STRING : -1;
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return value >= 0 && value <= Number.MAX_SAFE_INTEGER ? varintSize(value) * 4 + INT : -1;
    return Number.isFinite(value) ? DOUBLE : -1;
  }
  return typeof value === 'boolean' ? BOOLEAN : -1;
}
const STRING = 0;
const INT = 1;
const DOUBLE = 2;
const BOOLEAN = 3;

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
class RequestTemplates {
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

/** Distinct first-attribute blocks kept at most. */
const MAX_BLOCKS = 1024;

/** Steps of the request templates' tree kept at most: a request span's shape is some twenty of them. */
const MAX_STEPS = 32_768;

/** The span as the serializer reads it, without its first `count` attributes. */
function withoutFirst(span: ReadableSpan, count: number): ReadableSpan {
  const attributes: Attributes = {};
  let i = 0;
  for (const key in span.attributes) if (i++ >= count) attributes[key] = span.attributes[key];
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes,
    links: span.links,
    events: span.events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/**
 * A span's bytes (tag, length, fields) with encoded attributes put before its own: where the
 * serializer writes attributes, after the ids, trace state, name, kind and times (fields 1–8).
 */
function withAttributesFirst(bytes: Uint8Array, block: Uint8Array): Buffer {
  const start = lengthEnd(bytes, 1);
  let at = start;
  while (at < bytes.length) {
    const f = readField(bytes, at);
    if (f.number >= 9) break;
    at = f.end;
  }
  const length = bytes.length - start + block.length;
  const out = Buffer.allocUnsafe(1 + varintSize(length) + length);
  out[0] = bytes[0]!;
  let to = writeVarint(out, 1, length);
  out.set(bytes.subarray(start, at), to);
  to += at - start;
  out.set(block, to);
  out.set(bytes.subarray(at), to + block.length);
  return out;
}

/** A span of the request: its bytes as the serializer made them, or a template to stamp with its ids and times. */
type Chunk = Uint8Array | { template: Template; span: ShapedSpan };

const chunkLength = (c: Chunk) => (c instanceof Uint8Array ? c.length : c.template.bytes.length);

/** Writes a span's chunk at `at` of `out`, a template with the span's ids and times written in; returns where it ends. */
function writeChunk(out: Buffer, at: number, c: Chunk): number {
  if (c instanceof Uint8Array) {
    out.set(c, at);
    return at + c.length;
  }
  const { template, span } = c;
  out.set(template.bytes, at);
  const ids = span.ids!;
  out.set(ids.trace, at + template.traceId);
  copy8(out, at + template.spanId, ids.draw, span.idAt!);
  // A stage span's parent is its trace's request span; a request span's, the client's span.
  if (template.parentSpanId >= 0) {
    if (span.shape !== undefined) copy8(out, at + template.parentSpanId, ids.draw, ids.root);
    else out.write(span.parentSpanContext!.spanId, at + template.parentSpanId, 8, 'hex');
  }
  writeNanos(out, at + template.start, span.startTime);
  writeNanos(out, at + template.end, span.endTime);
  if (template.slots.length > 0) writeOwnAttributes(out, at, template.slots, span);
  return at + template.bytes.length;
}

/** A request span's own attributes (those after its first `stable.count`) into their slots of its template. */
function writeOwnAttributes(out: Buffer, at: number, slots: Slot[], span: ShapedSpan): void {
  let i = 0;
  let n = 0;
  const skip = span.stable!.count;
  for (const key in span.attributes) {
    if (i++ < skip) continue;
    const value = span.attributes[key];
    const { at: slot, code } = slots[n++]!;
    const kind = code & 3;
    if (kind === STRING) out.write(value as string, at + slot, code >> 2, 'latin1');
    else if (kind === INT) writeVarint(out, at + slot, value as number);
    else if (kind === DOUBLE) out.writeDoubleLE(value as number, at + slot);
    else out[at + slot] = value ? 1 : 0;
  }
}

/** 8 bytes of `from` at `at` into `out` at `to`: a span id (a loop: cheaper than a copy call at this size). */
function copy8(out: Buffer, to: number, from: Uint8Array, at: number): void {
  for (let i = 0; i < 8; i++) out[to + i] = from[at + i]!;
}

/**
 * An HrTime as fixed64 nanoseconds, as the serializer writes it: seconds times 1e9 does not
 * fit a double's 53 bits exactly, so the seconds are split in 16-bit halves first.
 */
function writeNanos(out: Buffer, at: number, [seconds, nanos]: HrTime): void {
  const lower = (seconds & 0xffff) * 1e9;
  const upper = ((seconds / 0x10000) >>> 0) * 1e9;
  const low = (lower >>> 0) + (((upper & 0xffff) * 0x10000) >>> 0) + nanos;
  out.writeUInt32LE(low >>> 0, at);
  out.writeUInt32LE((Math.floor(lower / 0x100000000) + ((upper / 0x10000) >>> 0) + Math.floor(low / 0x100000000)) >>> 0, at + 4);
}

/** The serializer's request taken apart: one resource with one scope, the spans, and how to frame others alike. */
interface Frame {
  bytes: Uint8Array;
  spans: Field[];
  /** A request's size holding `spanBytes` of encoded spans. */
  size(spanBytes: number): number;
  assemble(traces: Chunk[][], spanBytes: number): EncodedRequest;
}

/**
 * ExportTraceServiceRequest { 1: ResourceSpans { 1: Resource, 2: ScopeSpans { 1: scope, 2: span... } } },
 * or null when the request is framed otherwise (no span, more than one resource or scope, a schema URL).
 */
function splitRequest(bytes: Uint8Array, spanCount: number): Frame | null {
  const top = readFields(bytes, 0, bytes.length);
  if (top.length !== 1 || top[0]!.number !== 1) return null;
  const rs = readFields(bytes, top[0]!.value, top[0]!.end);
  if (rs.length !== 2 || rs[0]!.number !== 1 || rs[1]!.number !== 2) return null;
  const ss = readFields(bytes, rs[1]!.value, rs[1]!.end);
  if (ss[0]?.number !== 1 || ss.slice(1).some((f) => f.number !== 2) || ss.length - 1 !== spanCount) return null;
  return framing(bytes.subarray(rs[0]!.at, rs[0]!.end), bytes.subarray(ss[0].at, ss[0].end), bytes, ss.slice(1));
}

function framing(resource: Uint8Array, scope: Uint8Array, bytes: Uint8Array, spans: Field[]): Frame {
  const scopeSpansLength = (n: number) => scope.length + n;
  const resourceSpansLength = (n: number) => resource.length + 1 + varintSize(scopeSpansLength(n)) + scopeSpansLength(n);
  return {
    bytes,
    spans,
    size: (n) => 1 + varintSize(resourceSpansLength(n)) + resourceSpansLength(n),
    assemble(traces, n) {
      const out = Buffer.allocUnsafe(1 + varintSize(resourceSpansLength(n)) + resourceSpansLength(n));
      let at = 0;
      const tagged = (tag: number, length: number) => {
        out[at++] = tag;
        at = writeVarint(out, at, length);
      };
      tagged(0x0a, resourceSpansLength(n));
      out.set(resource, at);
      at += resource.length;
      tagged(0x12, scopeSpansLength(n));
      out.set(scope, at);
      at += scope.length;
      let spanCount = 0;
      for (const trace of traces)
        for (const chunk of trace) {
          at = writeChunk(out, at, chunk);
          spanCount++;
        }
      return { bytes: out, traces: traces.length, spans: spanCount };
    },
  };
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[at++] = n;
  return at;
}

function readVarint(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = bytes[at++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, at];
    scale *= 0x80;
  }
}

/** Where a length-delimited field's value starts, for the field whose tag is at `at` (its tag one byte long). */
function lengthEnd(bytes: Uint8Array, at: number): number {
  return readVarint(bytes, at)[1];
}

/** The fields of one message, `from`–`to` of `bytes`: each one's number and where it lies. */
function readFields(bytes: Uint8Array, from: number, to: number): Field[] {
  const fields: Field[] = [];
  for (let at = from; at < to; at = fields.at(-1)!.end) fields.push(readField(bytes, at));
  return fields;
}

/** The field whose tag is at `at`. */
function readField(bytes: Uint8Array, at: number): Field {
  const [tag, afterTag] = readVarint(bytes, at);
  const wire = tag & 7;
  let value = afterTag;
  let end: number;
  if (wire === 0) end = readVarint(bytes, afterTag)[1];
  else if (wire === 1) end = afterTag + 8;
  else if (wire === 5) end = afterTag + 4;
  else if (wire === 2) {
    const [length, start] = readVarint(bytes, afterTag);
    value = start;
    end = start + length;
  } else throw new Error(`unexpected protobuf wire type ${wire}`);
  return { number: Math.floor(tag / 8), at, value, end };
}
