/**
 * Maps Gemini errors to NexusError: HTTP error responses, and `{"error": …}` objects sent
 * inside a stream. Google's body is a google.rpc.Status whose `status` names the failure (see
 * Google's API error model). The HTTP status decides when the two disagree.
 */

import { NexusError } from "../../errors/nexus-error.ts";
import {
  AUTH_FAILED,
  BAD_REQUEST,
  describeRawBody,
  type ErrorMapping,
  isRetryableStatus,
  mappingForStatus,
  NOT_FOUND,
  OVERLOADED,
  PERMISSION_DENIED,
  RATE_LIMITED,
  SERVER_ERROR,
  standardMapping,
  TIMEOUT,
} from "../upstream-status.ts";
import type { GeminiErrorBody } from "./wire.ts";

/** Google's canonical error codes, for errors that arrive without an HTTP status. */
const BY_RPC_STATUS: Record<string, ErrorMapping> = {
  INVALID_ARGUMENT: BAD_REQUEST,
  FAILED_PRECONDITION: BAD_REQUEST,
  OUT_OF_RANGE: BAD_REQUEST,
  UNAUTHENTICATED: AUTH_FAILED,
  PERMISSION_DENIED: PERMISSION_DENIED,
  NOT_FOUND: NOT_FOUND,
  RESOURCE_EXHAUSTED: RATE_LIMITED,
  INTERNAL: SERVER_ERROR,
  UNKNOWN: SERVER_ERROR,
  UNAVAILABLE: OVERLOADED,
  DEADLINE_EXCEEDED: TIMEOUT,
};

/** Maps a non-2xx response by its HTTP status. The body gives the text and retry delay. */
export function decodeError(status: number, headers: Headers, bodyText: string): NexusError {
  const body = parseErrorBody(bodyText);
  const mapping = badKey(status, body)
    ? AUTH_FAILED
    : (standardMapping(status) ?? fallbackMapping(status, body?.error.status));
  const detail = body?.error.message ?? describeRawBody(status, bodyText);
  const retryable = isRetryableStatus(mapping.status);
  const retryAfter = headers.get("retry-after") ?? (retryable ? retryDelaySeconds(body) : null);

  return new NexusError(mapping.code, messageFor(mapping, detail), {
    status: mapping.status,
    type: mapping.type,
    retryAfter: retryable ? retryAfter : null,
  });
}

/** Maps an error object received inside a 200 stream, by its code or its rpc status. */
export function errorFromStream(payload: unknown): NexusError {
  const body = isErrorBody(payload) ? payload : { error: {} };
  const code = body.error.code;
  const mapping =
    (typeof code === "number" ? standardMapping(code) : undefined) ??
    BY_RPC_STATUS[body.error.status ?? ""] ??
    SERVER_ERROR;
  const detail = body.error.message ?? "error event in stream";
  return new NexusError(mapping.code, messageFor(mapping, detail), {
    status: mapping.status,
    type: mapping.type,
    retryAfter: isRetryableStatus(mapping.status) ? retryDelaySeconds(body) : null,
  });
}

function fallbackMapping(status: number, rpcStatus: string | undefined): ErrorMapping {
  if (status >= 500) return mappingForStatus(status);
  const typed = rpcStatus === undefined ? undefined : BY_RPC_STATUS[rpcStatus];
  return { status, code: "upstream_bad_request", type: typed?.type ?? "invalid_request_error" };
}

/** Gemini reports a wrong API key as a 400 whose ErrorInfo reason is API_KEY_INVALID. */
function badKey(status: number, body: GeminiErrorBody | null): boolean {
  if (status !== 400) return false;
  return (body?.error.details ?? []).some((detail) => detail?.reason === "API_KEY_INVALID");
}

/**
 * Gemini sends its retry delay in a RetryInfo detail ("34.4s") rather than a header. A
 * `retry-after` header contains whole seconds, so the delay is rounded up.
 */
function retryDelaySeconds(body: GeminiErrorBody | null): string | null {
  for (const detail of body?.error.details ?? []) {
    if (!String(detail?.["@type"] ?? "").endsWith("google.rpc.RetryInfo")) continue;
    const match = /^(\d+(?:\.\d+)?)s$/.exec(String(detail.retryDelay ?? ""));
    if (match !== null) return String(Math.ceil(Number(match[1])));
  }
  return null;
}

function messageFor(mapping: ErrorMapping, detail: string): string {
  if (mapping.code === "upstream_auth_failed" || mapping.code === "upstream_permission_denied") {
    return `The provider rejected the gateway's credential for Gemini: ${detail}`;
  }
  return `Gemini error: ${detail}`;
}

function parseErrorBody(text: string): GeminiErrorBody | null {
  try {
    const parsed: unknown = JSON.parse(text);
    // Some Google front ends wrap the status in a one-element array.
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    return isErrorBody(first) ? first : null;
  } catch {
    return null;
  }
}

function isErrorBody(value: unknown): value is GeminiErrorBody {
  const error = (value as { error?: unknown } | null)?.error;
  return typeof error === "object" && error !== null && !Array.isArray(error);
}
