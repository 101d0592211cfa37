/**
 * The two scenarios every provider stand-in answers alike, so the client API × provider kind
 * matrix (`test/matrix.test.ts`) can expect the same answer from every kind:
 * - `matrix-text`: `echo: <last user text>`;
 * - `matrix-tool`: a `get_weather` call with `{"city":"Paris"}` while the conversation ends
 *   without a tool result, then `tool said: <result>` once the tool's result is sent back.
 * Both report `MATRIX_USAGE`, each stand-in in its own wire format, so a test can check the
 * numbers survive every translation.
 */

export const MATRIX_TEXT = 'matrix-text';
export const MATRIX_TOOL = 'matrix-tool';

/** Every prompt token (cached ones included), the cached part, every output token, the reasoning part. */
export const MATRIX_USAGE = { input: 40, cached: 8, output: 12, reasoning: 5 } as const;

export const MATRIX_TOOL_NAME = 'get_weather';
export const MATRIX_TOOL_INPUT = { city: 'Paris' } as const;

export function isMatrixModel(model: string): boolean {
  return model === MATRIX_TEXT || model === MATRIX_TOOL;
}

export type MatrixReply = { kind: 'text'; text: string } | { kind: 'tool'; name: string; input: { city: string } };

/** What the model answers, from the last user text and the tool result the conversation ends with (if any). */
export function matrixReply(model: string, lastUser: string, toolResult: string | null): MatrixReply {
  if (model === MATRIX_TOOL && toolResult === null) return { kind: 'tool', name: MATRIX_TOOL_NAME, input: { ...MATRIX_TOOL_INPUT } };
  if (model === MATRIX_TOOL) return { kind: 'text', text: `tool said: ${toolResult}` };
  return { kind: 'text', text: `echo: ${lastUser}` };
}
