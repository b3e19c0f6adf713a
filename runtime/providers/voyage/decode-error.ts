/**
 * Maps Voyage HTTP error responses to NexusError by status. Voyage's error body is
 * `{"detail": "…"}`; request validation errors may instead carry a list of
 * `{"loc", "msg", "type"}` objects in `detail`. The message is kept because it explains the
 * failure.
 */

import { NexusError } from "../../errors/nexus-error.ts";
import {
  describeRawBody,
  type ErrorMapping,
  mappingForStatus,
  OVERLOADED,
} from "../upstream-status.ts";

/** Voyage's statuses beyond the standard map, and what the client sees for each. */
const VOYAGE_STATUSES: Record<number, ErrorMapping> = {
  // Voyage documents 502 and 503 as "servers under high traffic; retry after a brief wait".
  502: OVERLOADED,
};

/** Maps a non-2xx response from `/v1/embeddings`; the status decides the code. */
export function decodeError(status: number, headers: Headers, bodyText: string): NexusError {
  const mapping = mappingForStatus(status, VOYAGE_STATUSES);
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
