/**
 * Error bodies in each provider's wire shape, and Behaviour builders for the failures that a
 * gateway must handle (rate limits, overload, server errors).
 *
 * Anthropic: `{"type":"error","error":{"type","message"},"request_id"}`, with the error
 * types and statuses of Anthropic's OpenAPI spec (`ErrorResponse`). OpenAI:
 * `{"error":{"message","type","param","code"}}`, as in OpenAI's recorded error bodies.
 */

import type { Behaviour, Provider } from "./behaviour.ts";

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

export interface AnthropicErrorBody {
  type: "error";
  error: { type: AnthropicErrorType; message: string };
  request_id: string | null;
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function anthropicErrorBody(
  type: AnthropicErrorType,
  message: string,
  requestId: string | null = null,
): AnthropicErrorBody {
  return { type: "error", error: { type, message }, request_id: requestId };
}

export function openaiErrorBody(
  message: string,
  type = "invalid_request_error",
  param: string | null = null,
  code: string | null = null,
): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

const ANTHROPIC_ERROR_BY_STATUS: Record<number, [AnthropicErrorType, string]> = {
  400: ["invalid_request_error", "Invalid request"],
  401: ["authentication_error", "invalid x-api-key"],
  402: ["billing_error", "Credit balance too low for this request."],
  403: ["permission_error", "This API key may not use this resource."],
  404: ["not_found_error", "Not found"],
  413: ["request_too_large", "Request body is larger than the maximum size."],
  429: ["rate_limit_error", "Rate limited: too many requests for this organization."],
  500: ["api_error", "Internal server error"],
  504: ["timeout_error", "Request timeout"],
  529: ["overloaded_error", "Overloaded"],
};

const OPENAI_ERROR_BY_STATUS: Record<number, [string, string, string | null]> = {
  400: ["invalid_request_error", "Invalid request.", null],
  401: ["invalid_request_error", "Incorrect API key provided.", "invalid_api_key"],
  403: ["invalid_request_error", "You are not allowed to access this resource.", null],
  404: ["invalid_request_error", "The requested resource does not exist.", "model_not_found"],
  429: ["requests", "Rate limit reached for requests. Try again in 1s.", "rate_limit_exceeded"],
  500: ["server_error", "The server had an error while processing the request.", null],
  503: ["server_error", "The service is overloaded; retry later.", null],
};

/** The body a provider sends for `status`; unknown statuses fall back to the server error. */
export function errorBodyFor(
  provider: Provider,
  status: number,
  requestId: string | null = null,
): AnthropicErrorBody | OpenAIErrorBody {
  if (provider === "anthropic") {
    const [type, message] = ANTHROPIC_ERROR_BY_STATUS[status] ?? ANTHROPIC_ERROR_BY_STATUS[500]!;
    return anthropicErrorBody(type, message, requestId);
  }
  const fallback = status >= 500 ? OPENAI_ERROR_BY_STATUS[500]! : OPENAI_ERROR_BY_STATUS[400]!;
  const [type, message, code] = OPENAI_ERROR_BY_STATUS[status] ?? fallback;
  return openaiErrorBody(message, type, null, code);
}

/** A 429 with `retry-after` (seconds), as both providers send it. */
export function rateLimited(provider: Provider, retryAfterSeconds = 1): Behaviour {
  return {
    match: { provider },
    status: 429,
    body: errorBodyFor(provider, 429),
    headers: { "retry-after": String(retryAfterSeconds) },
  };
}

/** Anthropic's 529 `overloaded_error`, sent when its capacity is exhausted. */
export function overloaded(): Behaviour {
  return { match: { provider: "anthropic" }, status: 529, body: errorBodyFor("anthropic", 529) };
}

export function serverError(provider: Provider, status = 500): Behaviour {
  return { match: { provider }, status, body: errorBodyFor(provider, status) };
}
