/**
 * Stand-in for an Ollama server on its default port layout: the native `GET /api/tags`
 * listing pulled models, and the OpenAI-compatible API under `/v1`, answered by the OpenAI
 * stand-in (same scenarios by `model`). With `tags: false` it is a server that speaks only
 * the compatible API, as some Ollama-likes do.
 */
import { forward, sendJson, startStandinServer, type StandinServer } from './http-server.js';
import { startOpenAIStandin } from './openai-upstream.js';

export const OLLAMA_TAGS = ['llama3.2:latest', 'qwen2.5-coder:7b', 'nomic-embed-text:latest'];

export interface OllamaStandin extends StandinServer {
  /** The compatible API's base, `http://127.0.0.1:PORT/v1`, as configured in `base_url`. */
  url: string;
}

export async function startOllamaStandin(opts: { tags?: boolean } = {}): Promise<OllamaStandin> {
  const openai = await startOpenAIStandin();
  const server = await startStandinServer(async (req, res) => {
    if (req.method === 'GET' && req.path === '/api/tags' && opts.tags !== false) {
      return sendJson(res, 200, {
        models: OLLAMA_TAGS.map((name) => ({
          name,
          model: name,
          modified_at: '2026-11-20T09:12:44.512Z',
          size: 2019393189,
          digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
          details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
        })),
      });
    }
    if (req.path.startsWith('/v1/')) return forward(res, `${openai.url}${req.path.slice(3)}`, req.method, req.text);
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found');
  });
  return {
    ...server,
    url: `${server.origin}/v1`,
    async close() {
      await server.close();
      await openai.close();
    },
  };
}
