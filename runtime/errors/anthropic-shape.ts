import type { NexusError } from "./nexus-error.ts";

/**
 * Anthropic's error `type` values: the HTTP errors page of the Claude API docs lists the
 * statuses 400 to 529, and the API's `ErrorType` (as typed in `@anthropic-ai/sdk` 1.17) adds
 * `billing_error` (402) and `timeout_error` (504).
 */
export type AnthropicErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "billing_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "api_error"
  | "timeout_error"
  | "overloaded_error";

/**
 * The Anthropic error body. Nexus's stable code goes in `error.details.error_code`, where
 * Anthropic puts its own error codes and where the Anthropic SDK reads `errorCode` from.
 */
export interface AnthropicErrorBody {
  type: "error";
  error: {
    type: AnthropicErrorType;
    message: string;
    details: { error_code: string; param?: string };
  };
  request_id: string;
}

/**
 * Statuses whose Anthropic type has no counterpart among NexusError's OpenAI types. The other
 * OpenAI types are spelled the same in Anthropic's API, so they carry over unchanged.
 */
const TYPE_BY_STATUS: Record<number, AnthropicErrorType> = {
  402: "billing_error",
  413: "request_too_large",
};

/** Anthropic sends `overloaded_error` with this status only. */
const OVERLOADED_STATUS = 529;

/** Picks the Anthropic error type, so the Anthropic SDK raises the class the status implies. */
export function anthropicErrorType(error: NexusError): AnthropicErrorType {
  const byStatus = TYPE_BY_STATUS[error.status];
  if (byStatus !== undefined) return byStatus;

  // A 503 (all circuit breakers open, or a provider's own 503) is a server error to the
  // Anthropic SDK, which raises its overload class for 529 alone.
  if (error.type === "overloaded_error" && error.status !== OVERLOADED_STATUS) return "api_error";
  return error.type;
}

export function toAnthropicErrorBody(error: NexusError, requestId: string): AnthropicErrorBody {
  const details: AnthropicErrorBody["error"]["details"] = { error_code: error.code };
  if (error.param !== null) details.param = error.param;
  return {
    type: "error",
    error: { type: anthropicErrorType(error), message: error.message, details },
    request_id: requestId,
  };
}

/**
 * Renders a NexusError as an HTTP response in the Anthropic error shape. The request id goes in
 * `request-id` too, because the Anthropic SDK reads it from there into `requestID`.
 */
export function anthropicErrorResponse(
  error: NexusError,
  requestId: string,
  extraHeaders: Record<string, string> = {},
): Response {
  const headers = new Headers({
    ...extraHeaders,
    "content-type": "application/json",
    "x-request-id": requestId,
    "request-id": requestId,
  });
  if (error.retryAfter !== null) headers.set("retry-after", error.retryAfter);
  return new Response(JSON.stringify(toAnthropicErrorBody(error, requestId)), {
    status: error.status,
    headers,
  });
}
