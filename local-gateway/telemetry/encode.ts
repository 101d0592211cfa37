import type { Attributes, HrTime } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { StableAttributes, TraceIds } from './spans.js';
import { lengthEnd, readField, readFields, varintSize, writeVarint, type Field } from './protobuf.js';
import { DOUBLE, INT, RequestTemplates, STRING, template, type Slot, type Template } from './templates.js';

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

/** Distinct first-attribute blocks kept at most. */
const MAX_BLOCKS = 1024;

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
