/**
 * The committed weights of the learned classifier, read from weights.json (which
 * `npm run train:injection` writes) as this module loads. They are read from a file, not
 * inlined as a base64 literal, because a literal stays in the heap twice (in the module's
 * source and as the string) beside the decoded weights; read, only the decoded int8 weights
 * stay, once however many scorers use them.
 */
import { readFileSync } from 'node:fs';
import { decodeModel, ModelFileSchema, type LinearModel } from './learned.js';

// Beside this module in the sources and in dist/local-gateway; from the desktop app's bundle
// (dist/electron/main), two levels up and into dist/local-gateway, which the app ships.
const CANDIDATES = ['./weights.json', '../../local-gateway/guardrails/prompt-injection/weights.json'];

function readModel(): LinearModel {
  for (const rel of CANDIDATES) {
    let text: string;
    try {
      text = readFileSync(new URL(rel, import.meta.url), 'utf8');
    } catch {
      continue;
    }
    return decodeModel(ModelFileSchema.parse(JSON.parse(text)));
  }
  throw new Error(`the prompt-injection weights (weights.json) are missing beside ${import.meta.url}: rebuild with \`npm run build\``);
}

export const MODEL: LinearModel = readModel();
