/**
 * An upstream MCP server with the tools the official conformance suite calls by name
 * (`test_simple_text`, `test_sampling`, `json_schema_2020_12_tool`, …), built with the
 * official SDK and served over Streamable HTTP. Behind the gateway (with `prefix: false`, so
 * the names stay the suite's) the suite's tool scenarios test what `/mcp` passes on: every
 * content type, errors, progress, and the server's questions (sampling, elicitation) during a
 * call; and resources, a resource template and prompts, for what `/mcp` composes of those.
 */
import { completable, fromJsonSchema, McpServer, ResourceTemplate, type ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { legacySessions, listenWeb } from './mcp-http.js';
import { inputToolsCodec, registerInputTools, related } from './mcp-input-tools.js';

/** A 1×1 PNG and a WAV header: the smallest real image and audio. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
const none = z.object({});

/** Form schemas the suite checks field by field: defaults of every primitive (SEP-1034), every enum form (SEP-1330). */
const DEFAULTS_FORM = {
  type: 'object' as const,
  properties: {
    name: { type: 'string' as const, description: 'User name', default: 'John Doe' },
    age: { type: 'integer' as const, description: 'User age', default: 30 },
    score: { type: 'number' as const, description: 'User score', default: 95.5 },
    status: { type: 'string' as const, description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
    verified: { type: 'boolean' as const, description: 'Verification status', default: true },
  },
  required: [],
};
const ENUMS_FORM = {
  type: 'object' as const,
  properties: {
    untitledSingle: { type: 'string' as const, description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
    titledSingle: {
      type: 'string' as const,
      description: 'Select one option with titles',
      oneOf: [
        { const: 'value1', title: 'First Option' },
        { const: 'value2', title: 'Second Option' },
        { const: 'value3', title: 'Third Option' },
      ],
    },
    legacyEnum: { type: 'string' as const, description: 'Select one option (legacy)', enum: ['opt1', 'opt2', 'opt3'], enumNames: ['Option One', 'Option Two', 'Option Three'] },
    untitledMulti: { type: 'array' as const, description: 'Select multiple options', minItems: 1, maxItems: 3, items: { type: 'string' as const, enum: ['option1', 'option2', 'option3'] } },
    titledMulti: {
      type: 'array' as const,
      description: 'Select multiple options with titles',
      minItems: 1,
      maxItems: 3,
      items: {
        anyOf: [
          { const: 'value1', title: 'First Choice' },
          { const: 'value2', title: 'Second Choice' },
          { const: 'value3', title: 'Third Choice' },
        ],
      },
    },
  },
  required: [],
};
/**
 * Kept as written in tools/list: the suite checks the gateway passes on `$schema`, `$defs`,
 * `additionalProperties`, and (2026-07-28, SEP-2106) `allOf`/`anyOf`, `if`/`then`/`else` and `$anchor`.
 */
const JSON_SCHEMA_2020_12 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object' as const,
  $defs: { address: { $anchor: 'address', type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
  properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
  allOf: [{ anyOf: [{ required: ['name'] }, { required: ['address'] }, { maxProperties: 0 }] }],
  if: { required: ['address'] },
  then: { properties: { address: { required: ['city'] } } },
  else: { properties: { name: { minLength: 1 } } },
  additionalProperties: false,
};

/** `inputTools: false` leaves out the `test_input_required_result_*` tools and prompt (served elsewhere, e.g. by a 2026-07-28 stand-in). */
export function referenceServer(o: { inputTools?: boolean } = {}): McpServer {
  const codec = inputToolsCodec();
  const capabilities = { tools: { listChanged: true }, logging: {}, resources: { subscribe: true, listChanged: true }, prompts: { listChanged: true } };
  const server = new McpServer({ name: 'standin-reference', version: '1.0.0' }, { capabilities, requestState: { verify: codec.verify } });
  if (o.inputTools !== false) registerInputTools(server, codec);
  server.registerTool('test_simple_text', { description: 'Answers with text', inputSchema: none }, () => text('This is a simple text response for testing.'));
  server.registerTool('test_image_content', { description: 'Answers with an image', inputSchema: none }, () => ({ content: [{ type: 'image', data: PNG, mimeType: 'image/png' }] }));
  server.registerTool('test_audio_content', { description: 'Answers with audio', inputSchema: none }, () => ({ content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }] }));
  server.registerTool('test_embedded_resource', { description: 'Answers with an embedded resource', inputSchema: none }, () => ({
    content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
  }));
  server.registerTool('test_multiple_content_types', { description: 'Answers with text, an image and a resource', inputSchema: none }, () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG, mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) } },
    ],
  }));
  server.registerTool('test_error_handling', { description: 'Fails (isError)', inputSchema: none }, () => {
    throw new Error('This tool intentionally returns an error for testing');
  });
  server.registerTool('test_tool_with_progress', { description: 'Reports progress three times', inputSchema: none }, async (_args, ctx) => {
    const token = ctx.mcpReq._meta?.progressToken ?? 0;
    for (const progress of [0, 50, 100]) {
      await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, progress, total: 100, message: `Completed step ${progress} of 100` } });
    }
    return text(String(token));
  });
  const logThree = async (ctx: ServerContext) => {
    for (const data of ['Tool execution started', 'Tool processing data', 'Tool execution completed']) await ctx.mcpReq.notify({ method: 'notifications/message', params: { level: 'info', data } });
  };
  server.registerTool('test_tool_with_logging', { description: 'Logs three messages while it runs', inputSchema: none }, async (_args, ctx) => {
    await logThree(ctx);
    return text('Tool with logging executed successfully');
  });
  server.registerTool('test_logging_tool', { description: 'Logs while it runs (2026-07-28: only a request naming a log level should see them)', inputSchema: none }, async (_args, ctx) => {
    await logThree(ctx);
    return text('logged');
  });
  server.registerTool('test_sampling', { description: 'Asks its client to sample a model', inputSchema: z.object({ prompt: z.string() }) }, async ({ prompt }, ctx) => {
    const r = await ctx.mcpReq.requestSampling({ messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 }, related(ctx));
    const c = Array.isArray(r.content) ? r.content[0] : r.content;
    return text(`LLM response: ${c?.type === 'text' ? c.text : 'No response'}`);
  });
  server.registerTool('test_elicitation', { description: 'Asks its client for input', inputSchema: z.object({ message: z.string() }) }, async ({ message }, ctx) => {
    const r = await ctx.mcpReq.elicitInput({ mode: 'form', message, requestedSchema: { type: 'object', properties: { response: { type: 'string', description: "User's response" } }, required: ['response'] } }, related(ctx));
    return text(`User response: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`);
  });
  // The stateless scenario's probes (SEP-2575): one that needs sampling, which its caller does not declare; one that asks while its answer streams.
  server.registerTool('test_missing_capability', { description: 'Needs its client to sample a model', inputSchema: none }, async (_args, ctx) => {
    const r = await ctx.mcpReq.requestSampling({ messages: [{ role: 'user', content: { type: 'text', text: 'Say hello' } }], maxTokens: 10 }, related(ctx));
    return text(`sampled ${JSON.stringify(r.content)}`);
  });
  server.registerTool('test_streaming_elicitation', { description: 'Asks its client for input while it answers', inputSchema: none }, async (_args, ctx) => {
    const r = await ctx.mcpReq.elicitInput({ mode: 'form', message: 'Continue?', requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } }, related(ctx));
    return text(`answered ${r.action}`);
  });
  server.registerTool('test_elicitation_sep1034_defaults', { description: 'Asks for a form with defaults', inputSchema: none }, async (_args, ctx) => {
    const r = await ctx.mcpReq.elicitInput({ mode: 'form', message: 'Please review and update the form fields with defaults', requestedSchema: DEFAULTS_FORM }, related(ctx));
    return text(`Elicitation completed: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`);
  });
  server.registerTool('test_elicitation_sep1330_enums', { description: 'Asks for a form of enums', inputSchema: none }, async (_args, ctx) => {
    const r = await ctx.mcpReq.elicitInput({ mode: 'form', message: 'Please select options from the enum fields', requestedSchema: ENUMS_FORM as never }, related(ctx));
    return text(`Elicitation completed: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`);
  });
  server.registerTool('json_schema_2020_12_tool', { description: 'Takes a JSON Schema 2020-12 input', inputSchema: fromJsonSchema(JSON_SCHEMA_2020_12) }, (args) =>
    text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  );
  // A parameter mirrored into a request header (SEP-2243): `/mcp` checks a 2026-07-28 call's `Mcp-Param-Region` against it.
  const regional = { type: 'object' as const, properties: { region: { type: 'string', 'x-mcp-header': 'Region' }, query: { type: 'string' } }, required: ['region'] };
  server.registerTool('test_region_header', { description: 'Answers for a region named in a header too', inputSchema: fromJsonSchema(regional) }, (args) => text(`region ${String((args as { region: string }).region)}`));
  // Resources and prompts the suite reads by URI and name; behind the gateway they test what `/mcp` composes and routes.
  server.registerResource('static-text', 'test://static-text', { title: 'Static Text Resource', description: 'A static text resource', mimeType: 'text/plain' }, () => ({
    contents: [{ uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
  }));
  server.registerResource('static-binary', 'test://static-binary', { title: 'Static Binary Resource', description: 'A static binary resource (image)', mimeType: 'image/png' }, () => ({
    contents: [{ uri: 'test://static-binary', mimeType: 'image/png', blob: PNG }],
  }));
  server.registerResource('template', new ResourceTemplate('test://template/{id}/data', { list: undefined }), { title: 'Resource Template', description: 'A template with a parameter', mimeType: 'application/json' }, (uri, { id }) => ({
    contents: [{ uri: uri.toString(), mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${String(id)}` }) }],
  }));
  // A resource that asks its reader first (elicitation while it answers resources/read).
  server.registerResource('asking-resource', 'test://asking-resource', { title: 'Asking Resource', description: 'Asks which part to read', mimeType: 'text/plain' }, async (_uri, ctx) => {
    const r = await ctx.mcpReq.elicitInput({ mode: 'form', message: 'Which part?', requestedSchema: { type: 'object', properties: { part: { type: 'string' } }, required: ['part'] } }, related(ctx));
    return { contents: [{ uri: 'test://asking-resource', mimeType: 'text/plain', text: `part ${String(r.content?.part ?? 'none')}` }] };
  });
  // A resource a client can subscribe to; the tool touch_watched says it changed, to those subscribed.
  const subscribed = new Set<string>();
  server.registerResource('watched-resource', 'test://watched-resource', { title: 'Watched Resource', description: 'A resource that changes', mimeType: 'text/plain' }, () => ({
    contents: [{ uri: 'test://watched-resource', mimeType: 'text/plain', text: 'Watched resource content' }],
  }));
  server.server.setRequestHandler('resources/subscribe', (req) => (subscribed.add(req.params.uri), {}));
  server.server.setRequestHandler('resources/unsubscribe', (req) => (subscribed.delete(req.params.uri), {}));
  server.registerTool('touch_watched', { description: 'Changes test://watched-resource', inputSchema: none }, async () => {
    if (subscribed.has('test://watched-resource')) await server.server.sendResourceUpdated({ uri: 'test://watched-resource' });
    return text(subscribed.has('test://watched-resource') ? 'told' : 'nobody subscribed');
  });
  server.registerTool('add_prompt', { description: 'Adds a prompt named "added" (prompts/list_changed)', inputSchema: none }, () => {
    server.registerPrompt('added', { description: 'Added at run time' }, () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'added' } }] }));
    return text('added');
  });
  server.registerPrompt('test_simple_prompt', { title: 'Simple Test Prompt', description: 'A prompt without arguments' }, () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
  }));
  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      title: 'Prompt With Arguments',
      description: 'A prompt with required arguments',
      argsSchema: z.object({ arg1: completable(z.string().describe('First test argument'), (v) => ['paris', 'park', 'party'].filter((w) => w.startsWith(v))), arg2: z.string().describe('Second test argument') }),
    },
    ({ arg1, arg2 }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }] }),
  );
  server.registerPrompt('test_prompt_with_embedded_resource', { title: 'Prompt With Embedded Resource', description: 'A prompt that embeds a resource', argsSchema: z.object({ resourceUri: z.string() }) }, ({ resourceUri }) => ({
    messages: [
      { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
      { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
    ],
  }));
  server.registerPrompt('test_prompt_with_image', { title: 'Prompt With Image', description: 'A prompt with an image' }, () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }));
  return server;
}

export interface McpReferenceStandin {
  url: string;
  close(): Promise<void>;
}

/**
 * Served the 2025-11-25 way only (initialize, a session per client, a server per session, from
 * `factory`: by default the reference tools), as most MCP servers are today: a call's questions go back on its session, and the gateway's
 * 2026-07-28 clients reach it through the gateway's translation.
 */
export async function startMcpReferenceStandin(factory: () => { connect: McpServer['connect'] } = referenceServer): Promise<McpReferenceStandin> {
  const sessions = legacySessions(factory);
  const http = await listenWeb((request, body) => sessions.handle(request, body));
  return {
    url: http.url,
    close: async () => {
      await sessions.close();
      await http.close();
    },
  };
}
