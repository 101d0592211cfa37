import { EventStreamCodec, getChunkedStream, type Message } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { GatehouseError } from '../../core/errors.js';

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
  const frames = getChunkedStream(body)[Symbol.asyncIterator]();
  for (;;) {
    let message: Message;
    try {
      const next = await frames.next();
      if (next.done) return;
      message = codec.decode(next.value);
    } catch (err) {
      // Network failures are already coded; what is left is a frame that does not decode.
      if (err instanceof GatehouseError) throw err;
      throw new GatehouseError('GH_ERR_UPSTREAM_BAD_RESPONSE', `Bedrock sent an event stream Gatehouse could not decode (${(err as Error).message}): retry the request.`, { cause: err });
    }
    const headers: Record<string, string> = {};
    for (const [name, h] of Object.entries(message.headers)) if (h.type === 'string') headers[name] = h.value;
    yield { headers, payload: toUtf8(message.body) };
  }
}
