import type { NexusError } from "../../errors/nexus-error.ts";
import { mapUpstreamError } from "./decode-error.ts";
import { readErrorPayload, type UpstreamErrorFields } from "./error-fields.ts";

/*
 * An error that arrives inside a 200 stream has no HTTP status of its own. vLLM and OpenRouter
 * put the status in `code`, while OpenAI sends a `type` and sometimes a string `code`. The
 * status comes from the first of these that is known, and is 500 when none is.
 */
const STATUS_BY_TYPE = new Map<string, number>([
  ["invalid_request_error", 400],
  ["authentication_error", 401],
  ["permission_error", 403],
  ["not_found_error", 404],
  ["rate_limit_error", 429],
  ["rate_limit_exceeded", 429],
  ["insufficient_quota", 429],
  ["server_error", 500],
  ["api_error", 500],
  ["overloaded_error", 503],
  ["service_unavailable", 503],
]);

/** Maps an in-stream `{"error": {...}}` payload to the client's NexusError. */
export function decodeStreamError(payload: unknown): NexusError {
  const fields = readErrorPayload(payload);
  return mapUpstreamError(inferStatus(fields), fields, null);
}

function inferStatus(fields: UpstreamErrorFields): number {
  const numeric = Number(fields.code);
  if (fields.code !== null && Number.isInteger(numeric) && numeric >= 400 && numeric < 600) {
    return numeric;
  }
  for (const key of [fields.type, fields.code]) {
    const status = typeof key === "string" ? STATUS_BY_TYPE.get(key) : undefined;
    if (status !== undefined) return status;
  }
  return 500;
}
