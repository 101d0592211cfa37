/**
 * A token count for a Messages request without a tokenizer, for providers that cannot count:
 * about four characters a token for text and JSON (the usual rule for English and code with
 * BPE tokenizers), and Anthropic's upper bound for an image (about 1,600 tokens).
 */
const CHARS_PER_TOKEN = 4;
const IMAGE_TOKENS = 1600;

function count(value: unknown, acc: { chars: number; images: number }): void {
  if (typeof value === 'string') {
    acc.chars += value.length;
  } else if (Array.isArray(value)) {
    for (const v of value) count(v, acc);
  } else if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (obj.type === 'image' || obj.type === 'document') {
      acc.images++;
      return;
    }
    for (const [k, v] of Object.entries(obj)) {
      // Keys of tool schemas are read by the model too; block framing keys are not.
      if (k !== 'type' && k !== 'cache_control') acc.chars += k.length;
      if (k !== 'cache_control') count(v, acc);
    }
  }
}

export function estimateInputTokens(body: Record<string, unknown>): number {
  const acc = { chars: 0, images: 0 };
  count([body.system, body.messages, body.tools], acc);
  return Math.max(1, Math.ceil(acc.chars / CHARS_PER_TOKEN) + acc.images * IMAGE_TOKENS);
}
