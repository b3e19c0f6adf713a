/**
 * Maps Anthropic errors to NexusError: HTTP error answers by status, and `error` events inside
 * a stream by their error type. Anthropic's message text is kept, because it explains the
 * failure and never contains the gateway's key.
 */

import { NexusError } from "../../errors/nexus-error.ts";
import { retryAfterHeader, upstreamErrorMessage } from "../shared/status-error.ts";
import { describeRawBody } from "../upstream-status.ts";
import type { ErrorCode, OpenAIErrorType } from "../../errors/nexus-error.ts";

interface ErrorMapping {
  status: number;
  code: ErrorCode;
  type: OpenAIErrorType;
}

/** Anthropic error types (API errors page) and what the client sees for each. */
const BY_ERROR_TYPE: Record<string, ErrorMapping> = {
  invalid_request_error: {
    status: 400,
    code: "upstream_bad_request",
    type: "invalid_request_error",
  },
  authentication_error: {
    status: 401,
    code: "upstream_auth_failed",
    type: "authentication_error",
  },
  permission_error: { status: 403, code: "upstream_permission_denied", type: "permission_error" },
  not_found_error: { status: 404, code: "upstream_not_found", type: "not_found_error" },
  request_too_large: {
    status: 413,
    code: "upstream_request_too_large",
    type: "invalid_request_error",
  },
  rate_limit_error: { status: 429, code: "upstream_rate_limited", type: "rate_limit_error" },
  api_error: { status: 500, code: "upstream_error", type: "api_error" },
  timeout_error: { status: 504, code: "upstream_timeout", type: "timeout_error" },
  // Anthropic's 529 has no OpenAI equivalent; 503 is what OpenAI SDKs retry as overload.
  overloaded_error: { status: 503, code: "upstream_overloaded", type: "overloaded_error" },
};

const TYPE_BY_STATUS: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  503: "overloaded_error",
  504: "timeout_error",
  529: "overloaded_error",
};

/** Maps a non-2xx answer from `/v1/messages`. The status decides; the body gives the text. */
export function decodeError(status: number, headers: Headers, bodyText: string): NexusError {
  const body = parseErrorBody(bodyText);
  const mapping = mappingForStatus(status, body?.type);
  const detail = body?.message ?? describeRawBody(status, bodyText);
  return new NexusError(mapping.code, upstreamErrorMessage("Anthropic", mapping, detail), {
    status: mapping.status,
    type: mapping.type,
    retryAfter: retryAfterHeader(status, headers),
  });
}

/** Maps an `error` event received inside a 200 stream. */
export function errorFromEvent(errorType: string, message: string): NexusError {
  const mapping = BY_ERROR_TYPE[errorType] ?? BY_ERROR_TYPE.api_error!;
  return new NexusError(mapping.code, upstreamErrorMessage("Anthropic", mapping, message), {
    status: mapping.status,
    type: mapping.type,
  });
}

function mappingForStatus(status: number, bodyType: string | undefined): ErrorMapping {
  const known = TYPE_BY_STATUS[status];
  if (known !== undefined) return BY_ERROR_TYPE[known]!;

  if (status >= 500) return { status: 502, code: "upstream_error", type: "api_error" };
  // Anthropic uses invalid_request_error for 4xx statuses it does not list; keep the status.
  const typed = bodyType === undefined ? undefined : BY_ERROR_TYPE[bodyType];
  return { status, code: "upstream_bad_request", type: typed?.type ?? "invalid_request_error" };
}

function parseErrorBody(text: string): { type?: string; message?: string } | null {
  try {
    const parsed: unknown = JSON.parse(text);
    const error = (parsed as { error?: unknown } | null)?.error;
    if (typeof error !== "object" || error === null) return null;

    const { type, message } = error as { type?: unknown; message?: unknown };
    return {
      type: typeof type === "string" ? type : undefined,
      message: typeof message === "string" ? message : undefined,
    };
  } catch {
    return null;
  }
}
