import { MAX_QUOTED_INPUT_CHARS, truncateInput } from "./truncate-input.ts";

/**
 * One base error for every failure Nexus reports to a client. Each error carries a stable `code`
 * (tests and clients match on it), the HTTP status it becomes, and the OpenAI error `type`.
 * The edge of each inbound API renders it in that API's own error shape.
 */

export type ErrorCode =
  | "invalid_json"
  | "invalid_request"
  | "body_too_large"
  | "unknown_parameter"
  | "missing_api_key"
  | "invalid_api_key"
  | "api_key_revoked"
  | "api_key_expired"
  | "model_not_allowed"
  | "model_not_found"
  | "unsupported_parameter"
  | "route_not_found"
  | "method_not_allowed"
  | "upstream_bad_request"
  | "upstream_auth_failed"
  | "upstream_permission_denied"
  | "upstream_not_found"
  | "upstream_request_too_large"
  | "upstream_rate_limited"
  | "upstream_overloaded"
  | "upstream_error"
  | "upstream_timeout"
  | "upstream_unreachable"
  | "upstream_stream_cut"
  | "upstream_invalid_response"
  | "provider_credentials_missing"
  | "gateway_shutting_down"
  | "request_too_large"
  | "ip_not_allowed"
  | "rate_limited"
  | "keyword_blocked"
  | "data_classified"
  | "content_blocked"
  | "compliance_unavailable"
  | "kill_switch_engaged"
  | "quota_exceeded"
  | "quota_unavailable"
  | "internal_error";

/** OpenAI's error `type` values, which SDKs map to exception classes. */
export type OpenAIErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "api_error"
  | "overloaded_error"
  | "timeout_error";

export interface NexusErrorOptions {
  status: number;
  type: OpenAIErrorType;
  param?: string | null;
  retryAfter?: string | null;
  cause?: unknown;
}

/**
 * Maximum characters of an error message. Call sites quote client values through
 * `truncateInput`. This cap is the backstop for a site that does not, such as a JSON parser's
 * message or an upstream's error text, so no message grows with the request.
 */
export const MAX_ERROR_MESSAGE_CHARS = 2000;

export class NexusError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly param: string | null;
  /** The upstream's `retry-after` header value, passed on to the client unchanged. */
  readonly retryAfter: string | null;

  constructor(code: ErrorCode, message: string, options: NexusErrorOptions) {
    super(truncateInput(message, MAX_ERROR_MESSAGE_CHARS), { cause: options.cause });
    this.name = "NexusError";
    this.code = code;
    this.status = options.status;
    this.type = options.type;
    // A `param` can be a client's own field name or path, so it is bounded like a quote.
    const param = options.param ?? null;
    this.param = param === null ? null : truncateInput(param, MAX_QUOTED_INPUT_CHARS);
    this.retryAfter = options.retryAfter ?? null;
  }
}

/** Wraps anything thrown into a NexusError, so the edge renders one shape. */
export function toNexusError(error: unknown): NexusError {
  if (error instanceof NexusError) return error;
  return new NexusError("internal_error", "Internal error in the gateway.", {
    status: 500,
    type: "api_error",
    cause: error,
  });
}
