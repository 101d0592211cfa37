/** Reading and writing the few protobuf shapes the OTLP encoder takes apart and puts together (encode.ts). */

/** A field's place in encoded protobuf: its number, where its tag starts, where its value starts and ends. */
export interface Field {
  number: number;
  at: number;
  value: number;
  end: number;
}

export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

export function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[at++] = n;
  return at;
}

export function readVarint(bytes: Uint8Array, at: number): [value: number, next: number] {
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
export function lengthEnd(bytes: Uint8Array, at: number): number {
  return readVarint(bytes, at)[1];
}

/** The fields of one message, `from`–`to` of `bytes`: each one's number and where it lies. */
export function readFields(bytes: Uint8Array, from: number, to: number): Field[] {
  const fields: Field[] = [];
  for (let at = from; at < to; at = fields.at(-1)!.end) fields.push(readField(bytes, at));
  return fields;
}

/** The field whose tag is at `at`. */
export function readField(bytes: Uint8Array, at: number): Field {
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
