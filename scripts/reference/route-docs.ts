/**
 * One line per route for `docs/reference/http-api.md`, keyed by `METHOD path` as the gateway
 * registers it; the reference test fails while a registered route has none, or a line names a
 * route that no longer exists.
 */
export const ROUTE_DOCS: Record<string, string> = {
  'POST /v1/chat/completions': 'OpenAI chat completions, streaming and not; tools, images and every other parameter pass through untouched. A Responses-shaped body (`input`, no `messages`, as Cursor sends) is served as a Responses request.',
  'POST /v1/embeddings': 'OpenAI embeddings, float and base64 encodings.',
  'POST /v1/messages': 'Anthropic Messages (Claude Code, Anthropic SDKs), streaming and not, on any provider kind.',
  'POST /v1/messages/count_tokens': 'Resolves the model as `/v1/messages` does; asked of Anthropic providers, estimated for the others (`x-gatehouse-estimate: true`). Takes no rate-limit slot and spends no budget.',
  'GET /v1/models': "The active tier's virtual models and every provider's models as `<provider>/<model>`; Anthropic's shape when `anthropic-version` is sent, with Codex's `models` array beside `data` for `?client_version=`.",
  'POST /v1/responses': 'OpenAI Responses, streaming and not: passed through to providers that speak it, translated for the others.',
  'GET /healthz': 'Liveness and the pid answering (`{"ok":true,"pid":…}`), which a second `gatehouse start` and the desktop app match against the home lock; no token.',
  'POST /mcp': 'The MCP gateway (Streamable HTTP): one virtual server with every `mcp.servers` tool as `<server>_<tool>`; 2025-11-25 sessions (`initialize`, `Mcp-Session-Id`) and stateless 2026-07-28 requests; each `tools/call` runs the `mcp_pre_tool`/`mcp_post_tool` hooks and is traced. Refusals are JSON-RPC errors.',
  'GET /mcp': "A 2025-11-25 session's stream of server messages (`notifications/tools/list_changed`); needs `Mcp-Session-Id`.",
  'DELETE /mcp': 'Ends a 2025-11-25 session (`Mcp-Session-Id`).',
  'GET /favicon.ico': 'The dashboard\'s icon; no token.',
  'GET /api/traces': 'Traces, newest first, filtered (query below); each item has `cost_usd` and `fired` (every tier\'s non-allow verdicts).',
  'GET /api/traces/:id': "The whole trace: phases, caller, models, status, error, tokens, cost, metadata, redacted headers, bodies, each tier's verdicts.",
  'GET /api/status': 'Version, pid, uptime, home, config file, tiers, providers (kind, APIs, models), trace count and store size, memory, token source, identity, sync state.',
  'GET /api/shadow/summary': "Per tier and rule, the traces it blocked or mutated in a window (`since`, default 24 h; `tier`), with the newest trace ids, top metadata values and agents, and `advice`.",
  'GET /api/shadow/timeline': "A tier's would-fire counts per rule per `interval` (query below), for the prod-preview chart.",
  'POST /api/sync': 'Runs one sync cycle now (what `gatehouse sync now` calls): the policy pulled, records sent, errors.',
  'GET /api/settings': 'Providers with where each key comes from and whether it is there (never the value), the token source, identity, enrollment, sync, and each `gatehouse setup` snippet with `<token>` in place of the token.',
  'POST /api/keys/reload': "Reads the keychain keys and the PAT's identity again (what `gatehouse keys set` and `keys rm` call).",
  'GET /api/policy': 'The policy in force: org, version, source, file, `loaded_at`, `last_error`, tiers, the resolved active and shadow tiers, `last_sync`.',
  'GET /api/policy/diff': 'The `diffTiers` JSON between `from` and `to` (default: the active tier and the first shadow tier).',
  'POST /api/policy/replay': '`{"policy": "<YAML or JSON>" | {…}, "last": 1000, "tiers": ["prod"], "all": false}`: the replay report; a bundle that does not validate is 400 `GH_ERR_INVALID_POLICY` with its lines.',
  'GET /api/usage': 'Requests, errors, tokens and cost per `interval` and `by` (query below); `format=csv` for a download.',
  'GET /ui': 'Redirects to `/ui/`.',
  'GET /ui/': 'The dashboard (static files from `dist/ui`, no token in the page); 503 `GH_ERR_UI_NOT_BUILT` without a build.',
  'GET /ui/assets/:file': "The dashboard's content-hashed files, cached for a year.",
  'WS /api/events': 'Live events: `hello`, a `trace` event per recorded request, a `policy` event when the policy in force changes. The token travels as the subprotocol `bearer.<token>` beside `gatehouse.v1` (browsers cannot set headers on a WebSocket).',
};
