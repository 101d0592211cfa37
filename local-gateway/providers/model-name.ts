/**
 * Model names end up in upstream URLs (Gemini `models/<name>:generateContent`, Azure
 * deployments, Bedrock `model/<id>/converse`), so a name that could steer a URL is refused
 * for every provider alike, before any adapter builds one. No provider's model names hold
 * these: real ones are like `gpt-4o-mini`, `meta-llama/Llama-3.1-8B`, `llama3.2:latest`,
 * `arn:aws:bedrock:…:inference-profile/us.anthropic.claude…`.
 */
const STEERING = /[?#%\\\s\p{Cc}]/u;

/** At most this long: the longest real names (Bedrock ARNs) are about 120 characters. */
export const MAX_MODEL_NAME = 256;

/** Why no provider could serve this model name, or null when it is an ordinary name. */
export function unservableModelName(name: string): string | null {
  if (name.length > MAX_MODEL_NAME) return `it is longer than ${MAX_MODEL_NAME} characters`;
  const bad = STEERING.exec(name);
  if (bad) return `it contains ${JSON.stringify(bad[0])}`;
  if (name.split('/').some((segment) => segment === '.' || segment === '..')) return 'it contains a "." or ".." path segment';
  return null;
}

/** A name as one URL path segment: every adapter that puts a model in its path encodes it so. */
export const modelSegment = (name: string): string => encodeURIComponent(name);
