// A small OTLP/HTTP trace receiver for tests (node:http on 127.0.0.1): it decodes what it is
// sent, protobuf (ExportTraceServiceRequest, read here from the wire format with the field
// numbers of opentelemetry-proto's trace.proto, common.proto and resource.proto) or JSON, into
// plain spans the tests compare. Its own decoder: the exporter's encoder is what is tested.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type AttrValue = string | number | boolean;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  name: string;
  /** 1 internal, 2 server, 3 client … (SpanKind of trace.proto). */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AttrValue>;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  resource: Record<string, AttrValue>;
}

export interface ReceivedRequest {
  contentType: string;
  headers: http.IncomingHttpHeaders;
  path: string;
}

// ---- protobuf wire format ----

interface Field {
  no: number;
  wire: number;
  /** varint and fixed values */
  int: bigint;
  bytes: Buffer;
}

function* fields(buf: Buffer): Generator<Field> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('protobuf: truncated varint');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { no, wire, int: varint(), bytes: Buffer.alloc(0) };
    else if (wire === 1) {
      yield { no, wire, int: buf.readBigUInt64LE(pos), bytes: buf.subarray(pos, pos + 8) };
      pos += 8;
    } else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > buf.length) throw new Error('protobuf: truncated field');
      yield { no, wire, int: 0n, bytes: buf.subarray(pos, pos + len) };
      pos += len;
    } else if (wire === 5) {
      yield { no, wire, int: BigInt(buf.readUInt32LE(pos)), bytes: buf.subarray(pos, pos + 4) };
      pos += 4;
    } else throw new Error(`protobuf: wire type ${wire} of field ${no} is not used by OTLP`);
  }
}

/** AnyValue: 1 string, 2 bool, 3 int64, 4 double (others are not sent by Sluice and are shown as text). */
function anyValue(buf: Buffer): AttrValue {
  for (const f of fields(buf)) {
    if (f.no === 1) return f.bytes.toString('utf8');
    if (f.no === 2) return f.int !== 0n;
    if (f.no === 3) return Number(BigInt.asIntN(64, f.int));
    if (f.no === 4) return f.bytes.readDoubleLE(0);
    return `<field ${f.no}>`;
  }
  return '';
}

/** repeated KeyValue: 1 key, 2 value. */
function keyValue(buf: Buffer, into: Record<string, AttrValue>): void {
  let key = '';
  let value: AttrValue = '';
  for (const f of fields(buf)) {
    if (f.no === 1) key = f.bytes.toString('utf8');
    else if (f.no === 2) value = anyValue(f.bytes);
  }
  into[key] = value;
}

function protoSpan(buf: Buffer, resource: Record<string, AttrValue>): ReceivedSpan {
  const span: ReceivedSpan = { traceId: '', spanId: '', parentSpanId: '', name: '', kind: 0, startNs: 0n, endNs: 0n, attributes: {}, statusCode: 0, statusMessage: '', resource };
  for (const f of fields(buf)) {
    if (f.no === 1) span.traceId = f.bytes.toString('hex');
    else if (f.no === 2) span.spanId = f.bytes.toString('hex');
    else if (f.no === 4) span.parentSpanId = f.bytes.toString('hex');
    else if (f.no === 5) span.name = f.bytes.toString('utf8');
    else if (f.no === 6) span.kind = Number(f.int);
    else if (f.no === 7) span.startNs = f.int;
    else if (f.no === 8) span.endNs = f.int;
    else if (f.no === 9) keyValue(f.bytes, span.attributes);
    else if (f.no === 15)
      for (const s of fields(f.bytes)) {
        if (s.no === 2) span.statusMessage = s.bytes.toString('utf8');
        else if (s.no === 3) span.statusCode = Number(s.int);
      }
  }
  return span;
}

/** ExportTraceServiceRequest: 1 resource_spans { 1 resource { 1 attributes }, 2 scope_spans { 2 spans } }. */
export function decodeProtobuf(body: Buffer): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of fields(body)) {
    if (rs.no !== 1) continue;
    const resource: Record<string, AttrValue> = {};
    const scopes: Buffer[] = [];
    for (const f of fields(rs.bytes)) {
      if (f.no === 1) for (const a of fields(f.bytes)) if (a.no === 1) keyValue(a.bytes, resource);
      if (f.no === 2) scopes.push(f.bytes);
    }
    for (const scope of scopes) for (const f of fields(scope)) if (f.no === 2) out.push(protoSpan(f.bytes, resource));
  }
  return out;
}

// ---- JSON (the OTLP JSON mapping: hex ids, enums as numbers, 64-bit integers as strings) ----

interface JsonAny {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
}
interface JsonKv {
  key: string;
  value: JsonAny;
}

function jsonAttrs(list: JsonKv[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const { key, value } of list ?? []) out[key] = value.stringValue ?? value.boolValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.doubleValue ?? ''));
  return out;
}

interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: JsonKv[];
  status?: { code?: number; message?: string };
}

export function decodeJson(body: Buffer): ReceivedSpan[] {
  const doc = JSON.parse(body.toString('utf8')) as { resourceSpans?: { resource?: { attributes?: JsonKv[] }; scopeSpans?: { spans?: JsonSpan[] }[] }[] };
  const out: ReceivedSpan[] = [];
  for (const rs of doc.resourceSpans ?? []) {
    const resource = jsonAttrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? [])
      for (const s of ss.spans ?? [])
        out.push({
          traceId: s.traceId.toLowerCase(),
          spanId: s.spanId.toLowerCase(),
          parentSpanId: (s.parentSpanId ?? '').toLowerCase(),
          name: s.name,
          kind: s.kind,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: jsonAttrs(s.attributes),
          statusCode: s.status?.code ?? 0,
          statusMessage: s.status?.message ?? '',
          resource,
        });
  }
  return out;
}

// ---- the receiver ----

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly requests: ReceivedRequest[] = [];
  /** Bodies that could not be decoded (a test asserts none). */
  readonly errors: string[] = [];
  private readonly server: http.Server;
  url = '';

  private constructor() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const contentType = req.headers['content-type'] ?? '';
        this.requests.push({ contentType, headers: req.headers, path: req.url ?? '' });
        try {
          if (req.method !== 'POST' || req.url !== '/v1/traces') throw new Error(`unexpected ${req.method} ${req.url}`);
          this.spans.push(...(contentType.startsWith('application/json') ? decodeJson(body) : decodeProtobuf(body)));
        } catch (error) {
          this.errors.push((error as Error).message);
          res.writeHead(400).end();
          return;
        }
        // An empty ExportTraceServiceResponse, in the request's encoding.
        if (contentType.startsWith('application/json')) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
  }

  static async start(): Promise<OtlpReceiver> {
    const r = new OtlpReceiver();
    await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
    r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
    return r;
  }

  /** Waits (with a deadline) until `pick` finds what it needs among the spans received. */
  async waitFor<T>(what: string, pick: (spans: ReceivedSpan[]) => T | undefined, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = pick(this.spans);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received: ${this.spans.map((s) => s.name).join(', ') || 'nothing'}${this.errors.length ? `; errors: ${this.errors.join('; ')}` : ''}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
