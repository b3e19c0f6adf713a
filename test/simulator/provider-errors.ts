/**
 * Error bodies in each provider's wire shape, and Behaviour builders for the failures that a
 * gateway must handle (rate limits, overload, server errors).
 *
 * Anthropic: `{"type":"error","error":{"type","message"},"request_id"}`, with the error
 * types and statuses of Anthropic's OpenAPI spec (`ErrorResponse`). OpenAI:
 * `{"error":{"message","type","param","code"}}`, as in OpenAI's recorded error bodies.
 * Gemini: Google's `{"error":{"code","message","status"}}` (google.rpc.Status in JSON).
 * Cohere: `{"id","message"}`.
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

export interface GeminiErrorBody {
  error: { code: number; message: string; status: string; details?: unknown[] };
}

export interface CohereErrorBody {
  id: string | null;
  message: string;
}

export type ProviderErrorBody =
  | AnthropicErrorBody
  | OpenAIErrorBody
  | GeminiErrorBody
  | CohereErrorBody;

export function geminiErrorBody(
  code: number,
  status: string,
  message: string,
  details?: unknown[],
): GeminiErrorBody {
  return { error: { code, message, status, ...(details === undefined ? {} : { details }) } };
}

export function cohereErrorBody(message: string, id: string | null = null): CohereErrorBody {
  return { id, message };
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

/** Google's canonical status names and messages for the HTTP statuses of the Gemini API. */
const GEMINI_ERROR_BY_STATUS: Record<number, [string, string]> = {
  400: ["INVALID_ARGUMENT", "Request contains an invalid argument."],
  401: ["UNAUTHENTICATED", "Request had invalid authentication credentials."],
  403: ["PERMISSION_DENIED", "The caller does not have permission."],
  404: ["NOT_FOUND", "Requested entity was not found."],
  429: ["RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."],
  500: ["INTERNAL", "An internal error has occurred. Please retry."],
  503: ["UNAVAILABLE", "The model is overloaded. Please try again later."],
  504: ["DEADLINE_EXCEEDED", "Deadline expired before operation could complete."],
};

const COHERE_ERROR_BY_STATUS: Record<number, string> = {
  400: "invalid request",
  401: "invalid api token",
  404: "model not found",
  429: "You are using a Trial key, which is limited to 10 API calls / minute.",
  500: "internal server error, this has been reported to our developers",
  503: "service unavailable",
};

/** The body a provider sends for `status`; unknown statuses fall back to the server error. */
export function errorBodyFor(
  provider: Provider,
  status: number,
  requestId: string | null = null,
): ProviderErrorBody {
  if (provider === "gemini") {
    const [rpcStatus, message] = GEMINI_ERROR_BY_STATUS[status] ?? GEMINI_ERROR_BY_STATUS[500]!;
    return geminiErrorBody(status, rpcStatus, message);
  }
  if (provider === "cohere") {
    const message = COHERE_ERROR_BY_STATUS[status] ?? COHERE_ERROR_BY_STATUS[500]!;
    return cohereErrorBody(message, requestId);
  }
  if (provider === "anthropic") {
    const [type, message] = ANTHROPIC_ERROR_BY_STATUS[status] ?? ANTHROPIC_ERROR_BY_STATUS[500]!;
    return anthropicErrorBody(type, message, requestId);
  }
  const fallback = status >= 500 ? OPENAI_ERROR_BY_STATUS[500]! : OPENAI_ERROR_BY_STATUS[400]!;
  const [type, message, code] = OPENAI_ERROR_BY_STATUS[status] ?? fallback;
  return openaiErrorBody(message, type, null, code);
}

/** A 429 with `retry-after` (seconds), in the provider's error shape. */
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
