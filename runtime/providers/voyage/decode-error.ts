/**
 * Maps Voyage HTTP error responses to NexusError by status. Voyage's error body is
 * `{"detail": "…"}`; request validation errors may instead carry a list of
 * `{"loc", "msg", "type"}` objects in `detail`. The message is kept because it explains the
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

const OVERLOADED: ErrorMapping = {
  status: 503,
  code: "upstream_overloaded",
  type: "overloaded_error",
};

/** Statuses in Voyage's error code table, plus 413 and 422, and what the client sees for each. */
const BY_STATUS: Record<number, ErrorMapping> = {
  400: BAD_REQUEST,
  401: { status: 401, code: "upstream_auth_failed", type: "authentication_error" },
  // Voyage returns 403 when the caller's IP address is forbidden.
  403: { status: 403, code: "upstream_permission_denied", type: "permission_error" },
  404: { status: 404, code: "upstream_not_found", type: "not_found_error" },
  413: { status: 413, code: "upstream_request_too_large", type: "invalid_request_error" },
  422: { ...BAD_REQUEST, status: 422 },
  429: { status: 429, code: "upstream_rate_limited", type: "rate_limit_error" },
  500: { status: 500, code: "upstream_error", type: "api_error" },
  // Voyage documents 502 and 503 as "servers under high traffic; retry after a brief wait".
  502: OVERLOADED,
  503: OVERLOADED,
  504: { status: 504, code: "upstream_timeout", type: "timeout_error" },
};

/** Maps a non-2xx response from `/v1/embeddings`; the status decides the code. */
export function decodeError(status: number, headers: Headers, bodyText: string): NexusError {
  const mapping = mappingForStatus(status);
  const detail = readDetail(bodyText) ?? describeRawBody(status, bodyText);
  const retryAfter = status === 429 || status >= 500 ? headers.get("retry-after") : null;

  const message =
    mapping.code === "upstream_auth_failed"
      ? `The provider rejected the gateway's credential for Voyage: ${detail}`
      : `Voyage error: ${detail}`;
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

function readDetail(text: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }

  const detail = (parsed as { detail?: unknown } | null)?.detail;
  if (typeof detail === "string") return detail;
  if (!Array.isArray(detail)) return null;

  const messages = detail
    .map((entry: unknown) => (entry as { msg?: unknown } | null)?.msg)
    .filter((msg): msg is string => typeof msg === "string");
  return messages.length > 0 ? messages.join("; ") : null;
}

/** A proxy or CDN in front of Voyage may send HTML; show only its start. */
function describeRawBody(status: number, text: string): string {
  const snippet = text.replace(/\s+/g, " ").trim().slice(0, 200);
  return snippet === ""
    ? `HTTP ${status} with an empty body`
    : `HTTP ${status} with a non-JSON body: ${snippet}`;
}
