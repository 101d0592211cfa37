import { GatehouseError } from '../../core/errors.js';

interface GeminiEmbeddings {
  embeddings?: { values?: number[] }[];
}

/** An OpenAI embeddings request as `batchEmbedContents`: one request per input text. */
export function embeddingsToGemini(body: Record<string, unknown>, model: string): Record<string, unknown> {
  const input = body.input;
  const texts = typeof input === 'string' ? [input] : Array.isArray(input) && input.every((i) => typeof i === 'string') ? (input as string[]) : null;
  if (!texts) throw new GatehouseError('GH_ERR_UNSUPPORTED_CONTENT', 'Gemini embeds text, not token arrays: send input as a string or an array of strings.', { param: 'input' });
  const name = model.startsWith('models/') ? model : `models/${model}`;
  const dims = typeof body.dimensions === 'number' ? { outputDimensionality: body.dimensions } : {};
  return { requests: texts.map((text) => ({ model: name, content: { parts: [{ text }] }, ...dims })) };
}

/** Gemini's embeddings as OpenAI's list; base64 when the client asked (the openai SDK does by default). */
export function embeddingsFromGemini(res: unknown, body: Record<string, unknown>, model: string): Record<string, unknown> {
  const base64 = body.encoding_format === 'base64';
  const data = ((res as GeminiEmbeddings).embeddings ?? []).map((e, index) => {
    const values = e.values ?? [];
    return { object: 'embedding', index, embedding: base64 ? Buffer.from(new Float32Array(values).buffer).toString('base64') : values };
  });
  // batchEmbedContents reports no token counts.
  return { object: 'list', data, model, usage: { prompt_tokens: 0, total_tokens: 0 } };
}
