import { GatehouseError, type ErrorCode } from '../core/errors.js';

/** What went wrong with a tool call, each one coded in the catalogue. */
const KINDS = {
  upstream: 'GH_ERR_MCP_UPSTREAM',
  timeout: 'GH_ERR_MCP_TIMEOUT',
  result_too_large: 'GH_ERR_MCP_RESULT_TOO_LARGE',
  unavailable: 'GH_ERR_MCP_UPSTREAM',
  unknown_tool: 'GH_ERR_MCP_UNKNOWN_TOOL',
} as const satisfies Record<string, ErrorCode>;

/** A tool call's failure: a GatehouseError for the trace, answered to the client as a JSON-RPC error. */
export class McpFailure extends GatehouseError {
  constructor(kind: keyof typeof KINDS, message: string) {
    super(KINDS[kind], message);
  }
}

/**
 * The JSON-RPC error code a refusal goes out with. An unknown tool is invalid params, as the
 * MCP spec says; the rest are in the implementation-defined server-error range, with the
 * Gatehouse code in `data.gatehouse_code`, the stable identifier, so a client can tell them
 * apart. MCP itself takes codes of that range (2026-07-28: -32020 header mismatch, -32021
 * missing client capability, -32022 unsupported protocol version; -32002 and -32042 earlier),
 * so Gatehouse keeps to -32010…-32015, which no revision uses. The policy refusals went out
 * as -32020…-32022 before (`FORMER_JSON_RPC_CODES`, listed in the error reference).
 */
export const JSON_RPC_CODES: Partial<Record<ErrorCode, number>> = {
  GH_ERR_MCP_UNKNOWN_TOOL: -32602,
  GH_ERR_MCP_UPSTREAM: -32010,
  GH_ERR_MCP_TIMEOUT: -32011,
  GH_ERR_MCP_RESULT_TOO_LARGE: -32012,
  GH_ERR_GUARDRAIL_BLOCKED: -32013,
  GH_ERR_TOOL_NOT_ALLOWED: -32014,
  GH_ERR_RATE_LIMITED: -32015,
};

/** The codes those refusals went out with before, which MCP 2026-07-28 reserves (for the reference). */
export const FORMER_JSON_RPC_CODES: Partial<Record<ErrorCode, number>> = {
  GH_ERR_GUARDRAIL_BLOCKED: -32020,
  GH_ERR_TOOL_NOT_ALLOWED: -32021,
  GH_ERR_RATE_LIMITED: -32022,
};

export function jsonRpcCode(err: GatehouseError): number {
  return JSON_RPC_CODES[err.code] ?? -32603;
}
