/**
 * Gemini 3 models sign their function calls (`thoughtSignature`) and refuse a history whose
 * function calls come back without the signature. OpenAI's tool calls have no such field,
 * but clients return each call's `id` unchanged, so the signature travels inside the id.
 */
const MARKER = '__thought__';

/** The tool call id a client sees: Gemini's id (or a generated one), with the signature when there is one. */
export function toolCallIdFor(id: string, signature: string | undefined): string {
  return signature ? `${id}${MARKER}${signature}` : id;
}

/** The signature a tool call id carries, if any. */
export function thoughtSignatureOf(id: string): string | undefined {
  const at = id.indexOf(MARKER);
  return at === -1 ? undefined : id.slice(at + MARKER.length);
}
