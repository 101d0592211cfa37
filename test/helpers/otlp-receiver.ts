import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

/**
 * A stand-in OTLP/HTTP collector on 127.0.0.1: `POST /v1/traces` in protobuf or JSON, decoded
 * independently of the exporter (protobufjs, from the OTLP trace messages' field numbers as
 * opentelemetry-proto defines them), gzip-encoded or not, answers scripted per request.
 */

const F = (type: string, id: number, rule?: 'repeated') => ({ type, id, ...(rule ? { rule } : {}) });
const OTLP = protobuf.Root.fromJSON({
  nested: {
    otlp: {
      nested: {
        ExportTraceServiceRequest: { fields: { resourceSpans: F('ResourceSpans', 1, 'repeated') } },
        ResourceSpans: { fields: { resource: F('Resource', 1), scopeSpans: F('ScopeSpans', 2, 'repeated'), schemaUrl: F('string', 3) } },
        Resource: { fields: { attributes: F('KeyValue', 1, 'repeated'), droppedAttributesCount: F('uint32', 2) } },
        ScopeSpans: { fields: { scope: F('InstrumentationScope', 1), spans: F('Span', 2, 'repeated'), schemaUrl: F('string', 3) } },
        InstrumentationScope: { fields: { name: F('string', 1), version: F('string', 2), attributes: F('KeyValue', 3, 'repeated') } },
        Span: {
          fields: {
            traceId: F('bytes', 1),
            spanId: F('bytes', 2),
            traceState: F('string', 3),
            parentSpanId: F('bytes', 4),
            name: F('string', 5),
            kind: F('int32', 6),
            startTimeUnixNano: F('fixed64', 7),
            endTimeUnixNano: F('fixed64', 8),
            attributes: F('KeyValue', 9, 'repeated'),
            events: F('Event', 11, 'repeated'),
            status: F('Status', 15),
            flags: F('fixed32', 16),
          },
        },
        Event: { fields: { timeUnixNano: F('fixed64', 1), name: F('string', 2), attributes: F('KeyValue', 3, 'repeated') } },
        Status: { fields: { message: F('string', 2), code: F('int32', 3) } },
        KeyValue: { fields: { key: F('string', 1), value: F('AnyValue', 2) } },
        AnyValue: {
          oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
          fields: {
            stringValue: F('string', 1),
            boolValue: F('bool', 2),
            intValue: F('int64', 3),
            doubleValue: F('double', 4),
            arrayValue: F('ArrayValue', 5),
            kvlistValue: F('KeyValueList', 6),
            bytesValue: F('bytes', 7),
          },
        },
        ArrayValue: { fields: { values: F('AnyValue', 1, 'repeated') } },
        KeyValueList: { fields: { values: F('KeyValue', 1, 'repeated') } },
      },
    },
  },
}).lookupType('otlp.ExportTraceServiceRequest');

type Value = string | number | boolean | Value[] | null;
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, Value>;
  events: { name: string; timeNs: bigint; attributes: Record<string, Value> }[];
  status: { code: number; message: string };
  resource: Record<string, Value>;
}

export type CollectorBehaviour = { kind: 'ok' } | { kind: 'status'; status: number; headers?: Record<string, string> } | { kind: 'hang' };

export interface OtlpReceiver {
  url: string;
  spans: ReceivedSpan[];
  /** Requests seen, with their content type, headers and body size (uncompressed), refused ones included. */
  requests: { contentType: string; headers: IncomingMessage['headers']; bytes: number }[];
  /** Behaviours for the next requests, in order; when empty, `ok`. */
  script: CollectorBehaviour[];
  stop(): Promise<void>;
}

interface RawValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: RawValue[] };
}
interface RawKv {
  key: string;
  value?: RawValue;
}

function value(v: RawValue | undefined): Value {
  if (v === undefined) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(value);
  return null;
}
const attrs = (kvs: RawKv[] | undefined) => Object.fromEntries((kvs ?? []).map((kv) => [kv.key, value(kv.value)]));
const hex = (b: string | Uint8Array | undefined, json: boolean) => (b === undefined ? '' : json ? String(b) : Buffer.from(b as Uint8Array).toString('hex'));

interface RawSpan {
  traceId?: string | Uint8Array;
  spanId?: string | Uint8Array;
  parentSpanId?: string | Uint8Array;
  name: string;
  kind?: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: RawKv[];
  events?: { name: string; timeUnixNano: string | number; attributes?: RawKv[] }[];
  status?: { code?: number; message?: string };
}
interface RawRequest {
  resourceSpans?: { resource?: { attributes?: RawKv[] }; scopeSpans?: { spans?: RawSpan[] }[] }[];
}

function spansOf(req: RawRequest, json: boolean): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const resource = attrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: hex(s.traceId, json),
          spanId: hex(s.spanId, json),
          parentSpanId: hex(s.parentSpanId, json),
          name: s.name,
          kind: s.kind ?? 0,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: attrs(s.attributes),
          events: (s.events ?? []).map((e) => ({ name: e.name, timeNs: BigInt(e.timeUnixNano), attributes: attrs(e.attributes) })),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
          resource,
        });
      }
    }
  }
  return out;
}

function decode(contentType: string, body: Buffer): RawRequest {
  if (contentType.startsWith('application/json')) return JSON.parse(body.toString('utf8')) as RawRequest;
  if (!contentType.startsWith('application/x-protobuf')) throw new Error(`unexpected content-type ${contentType}`);
  return OTLP.toObject(OTLP.decode(body), { longs: String }) as RawRequest;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const hung = new Set<ServerResponse>();
  const r: OtlpReceiver = { url: '', spans: [], requests: [], script: [], stop: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const contentType = String(req.headers['content-type'] ?? '');
      const raw = Buffer.concat(chunks);
      const bytes = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).length : raw.length;
      r.requests.push({ contentType, headers: req.headers, bytes });
      const b = r.script.shift() ?? { kind: 'ok' };
      if (b.kind === 'hang') {
        hung.add(res);
        return;
      }
      if (b.kind === 'status') {
        res.writeHead(b.status, { 'content-type': 'application/json', ...b.headers }).end('{}');
        return;
      }
      try {
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks);
        r.spans.push(...spansOf(decode(contentType, body), contentType.startsWith('application/json')));
        res.writeHead(200, { 'content-type': contentType }).end(contentType.startsWith('application/json') ? '{}' : '');
      } catch (err) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end((err as Error).message);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  r.stop = async () => {
    for (const res of hung) res.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return r;
}
