import { EventStreamCodec, getChunkedStream } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

/** One message of the AWS event-stream framing, its string headers and its JSON payload text. */
export interface StreamMessage {
  headers: Record<string, string>;
  payload: string;
}

export const codec = new EventStreamCodec(toUtf8, fromUtf8);

/**
 * Decodes an `application/vnd.amazon.eventstream` body as its messages arrive: the frames
 * are split on their length prelude and checked against their CRCs by Smithy's codec, the
 * one the AWS SDKs use.
 */
export async function* eventStreamMessages(body: AsyncIterable<Uint8Array>): AsyncIterable<StreamMessage> {
  for await (const frame of getChunkedStream(body)) {
    const message = codec.decode(frame);
    const headers: Record<string, string> = {};
    for (const [name, h] of Object.entries(message.headers)) if (h.type === 'string') headers[name] = h.value;
    yield { headers, payload: toUtf8(message.body) };
  }
}
