/**
 * Maps Cohere HTTP error responses to NexusError by status. Cohere's error body is
 * `{"message": …}`, sometimes with an `id`. The message is kept because it explains the
 * failure.
 */

import { NexusError } from "../../errors/nexus-error.ts";
import type { ErrorCode, OpenAIErrorType } from "../../errors/nexus-error.ts";

interface ErrorMapping {
  status: number;
  code: ErrorCode;
  type: OpenAIErrorType;
}

const BAD_REQUEST: ErrorMapping = {
  status: 400,
  code: "upstream_bad_request",
  type: "invalid_request_error",
};
const AUTH_FAILED: ErrorMapping = {
  status: 401,
  code: "upstream_auth_failed",
  type: "authentication_error",
};

/** Statuses Cohere returns and what the client sees for each. */
const BY_STATUS: Record<number, ErrorMapping> = {
  400: BAD_REQUEST,
  401: AUTH_FAILED,
  // 402: the account's billing limit is reached; the gateway's key cannot be used for now.
  402: { status: 402, code: "upstream_permission_denied", type: "permission_error" },
  403: { status: 403, code: "upstream_permission_denied", type: "permission_error" },
  404: { status: 404, code: "upstream_not_found", type: "not_found_error" },
  413: { status: 413, code: "upstream_request_too_large", type: "invalid_request_error" },
  422: { ...BAD_REQUEST, status: 422 },
  429: { status: 429, code: "upstream_rate_limited", type: "rate_limit_error" },
  // 498 is Cohere's "invalid token": a bad key, which clients know as 401.
  498: AUTH_FAILED,
  500: { status: 500, code: "upstream_error", type: "api_error" },
  503: { status: 503, code: "upstream_overloaded", type: "overloaded_error" },
  504: { status: 504, code: "upstream_timeout", type: "timeout_error" },
};

/** Maps a non-2xx response from `/v2/chat` or `/v2/embed`; the status decides the code. */
export function decodeError(status: number, headers: Headers, bodyText: string): NexusError {
  const mapping = mappingForStatus(status);
  const detail = readMessage(bodyText) ?? describeRawBody(status, bodyText);
  const retryAfter = status === 429 || status >= 500 ? headers.get("retry-after") : null;

  const message =
    mapping.code === "upstream_auth_failed"
      ? `The provider rejected the gateway's credential for Cohere: ${detail}`
      : `Cohere error: ${detail}`;
  return new NexusError(mapping.code, message, {
    status: mapping.status,
    type: mapping.type,
    retryAfter,
  });
}

function mappingForStatus(status: number): ErrorMapping {
  const known = BY_STATUS[status];
  if (known !== undefined) return known;
  if (status >= 500) return { status: 502, code: "upstream_error", type: "api_error" };
  return { ...BAD_REQUEST, status };
}

function readMessage(text: string): string | null {
  try {
    const parsed = JSON.parse(text) as { message?: unknown } | null;
    return typeof parsed?.message === "string" ? parsed.message : null;
  } catch {
    return null;
  }
}

/** A proxy or CDN in front of Cohere may send HTML; show only its start. */
function describeRawBody(status: number, text: string): string {
  const snippet = text.replace(/\s+/g, " ").trim().slice(0, 200);
  return snippet === ""
    ? `HTTP ${status} with an empty body`
    : `HTTP ${status} with a non-JSON body: ${snippet}`;
}
