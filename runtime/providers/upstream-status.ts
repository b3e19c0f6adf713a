/**
 * The shared map from a provider's HTTP error status to what the client sees. Codecs add
 * their provider's own statuses (Cohere's 498, Voyage's 502) on top of it.
 */

import type { ErrorCode, OpenAIErrorType } from "../errors/nexus-error.ts";

export interface ErrorMapping {
  status: number;
  code: ErrorCode;
  type: OpenAIErrorType;
}

export const BAD_REQUEST: ErrorMapping = {
  status: 400,
  code: "upstream_bad_request",
  type: "invalid_request_error",
};
export const AUTH_FAILED: ErrorMapping = {
  status: 401,
  code: "upstream_auth_failed",
  type: "authentication_error",
};
export const PERMISSION_DENIED: ErrorMapping = {
  status: 403,
  code: "upstream_permission_denied",
  type: "permission_error",
};
export const NOT_FOUND: ErrorMapping = {
  status: 404,
  code: "upstream_not_found",
  type: "not_found_error",
};
export const TOO_LARGE: ErrorMapping = {
  status: 413,
  code: "upstream_request_too_large",
  type: "invalid_request_error",
};
export const RATE_LIMITED: ErrorMapping = {
  status: 429,
  code: "upstream_rate_limited",
  type: "rate_limit_error",
};
export const SERVER_ERROR: ErrorMapping = { status: 500, code: "upstream_error", type: "api_error" };
export const OVERLOADED: ErrorMapping = {
  status: 503,
  code: "upstream_overloaded",
  type: "overloaded_error",
};
export const TIMEOUT: ErrorMapping = {
  status: 504,
  code: "upstream_timeout",
  type: "timeout_error",
};

const STANDARD: Record<number, ErrorMapping> = {
  400: BAD_REQUEST,
  401: AUTH_FAILED,
  403: PERMISSION_DENIED,
  404: NOT_FOUND,
  413: TOO_LARGE,
  429: RATE_LIMITED,
  500: SERVER_ERROR,
  503: OVERLOADED,
  504: TIMEOUT,
};

/** Returns the standard mapping for `status`, or undefined when the table has none. */
export function standardMapping(status: number): ErrorMapping | undefined {
  return STANDARD[status];
}

/**
 * Returns the mapping for `status`: the provider's own entry, else the standard one. Any other
 * 4xx keeps its status as a bad request; any other 5xx becomes 502, because the gateway
 * could not get an answer from its upstream.
 */
export function mappingForStatus(
  status: number,
  overrides: Readonly<Record<number, ErrorMapping>> = {},
): ErrorMapping {
  const known = overrides[status] ?? STANDARD[status];
  if (known !== undefined) return known;
  if (status >= 500) return { status: 502, code: "upstream_error", type: "api_error" };
  return { ...BAD_REQUEST, status };
}

/** Describes an error body that is not JSON (a proxy or CDN may send HTML) by its start. */
export function describeRawBody(status: number, text: string): string {
  const snippet = text.replace(/\s+/g, " ").trim().slice(0, 200);
  return snippet === ""
    ? `HTTP ${status} with an empty body`
    : `HTTP ${status} with a non-JSON body: ${snippet}`;
}

/** Reports whether a client may retry an error of `status` (rate limits, server failures). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
