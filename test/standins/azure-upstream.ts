/**
 * Stand-in for an Azure OpenAI resource ({name}.openai.azure.com). It checks what Azure
 * checks, with Azure's error bodies: the `api-key` header, an `api-version` query on
 * deployment routes, and a known deployment. Chat completions and embeddings are then
 * answered by the OpenAI stand-in (same wire format, same scenarios by `model`); the v1
 * Responses route (`/openai/v1/responses`) answers a minimal completed response naming the
 * deployment it was given as `model`, except for the matrix scenarios (`matrix-scenario.ts`),
 * which the OpenAI stand-in answers in full, streams included.
 */
import type { ServerResponse } from 'node:http';
import { forward, sendJson, startStandinServer, type StandinRequest, type StandinServer } from './http-server.js';
import { isMatrixModel } from './matrix-scenario.js';
import { startOpenAIStandin, type OpenAIStandin } from './openai-upstream.js';

export interface AzureStandinOptions {
  apiKey: string;
  deployments: string[];
}

export interface AzureStandin extends StandinServer {
  /** The resource endpoint to configure as `base_url`. */
  url: string;
  openai: OpenAIStandin;
}

const azureError = (res: ServerResponse, status: number, code: string, message: string) => sendJson(res, status, { error: { code, message } }, { 'apim-request-id': crypto.randomUUID() });

async function responses(req: StandinRequest, res: ServerResponse, deployments: string[], openaiUrl: string): Promise<void> {
  const model = (req.body as { model?: string } | undefined)?.model ?? '';
  if (!deployments.includes(model)) return azureError(res, 404, 'DeploymentNotFound', `The API deployment ${model} does not exist.`);
  if (isMatrixModel(model)) return forward(res, `${openaiUrl}/responses`, 'POST', req.text);
  sendJson(res, 200, {
    id: 'resp_azure_1',
    object: 'response',
    status: 'completed',
    model,
    output: [{ type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: `deployment ${model}`, annotations: [] }] }],
    usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
  });
}

export async function startAzureStandin(opts: AzureStandinOptions): Promise<AzureStandin> {
  const openai = await startOpenAIStandin();
  const server = await startStandinServer(async (req, res) => {
    if (req.headers['api-key'] !== opts.apiKey) {
      return azureError(res, 401, '401', 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.');
    }
    if (req.method === 'POST' && req.path === '/openai/v1/responses') return responses(req, res, opts.deployments, openai.url);
    const m = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/.exec(req.path);
    const version = req.query.get('api-version');
    if (req.method !== 'POST' || !m || !version || !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(version)) return azureError(res, 404, '404', 'Resource not found');
    if (!opts.deployments.includes(decodeURIComponent(m[1]!))) {
      return azureError(res, 404, 'DeploymentNotFound', 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.');
    }
    await forward(res, `${openai.url}/${m[2]}`, 'POST', req.text);
  });
  return {
    ...server,
    url: server.origin,
    openai,
    async close() {
      await server.close();
      await openai.close();
    },
  };
}
