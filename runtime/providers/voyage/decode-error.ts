/**
 * Maps Voyage HTTP error responses to NexusError by status. Voyage's error body is
 * `{"detail": "…"}`; request validation errors may instead carry a list of
 * `{"loc", "msg", "type"}` objects in `detail`. The message is kept because it explains the
 * failure.
 */

import { statusErrorDecoder } from "../shared/status-error.ts";
import { type ErrorMapping, OVERLOADED } from "../upstream-status.ts";

/** Voyage's statuses beyond the standard map, and what the client sees for each. */
const VOYAGE_STATUSES: Record<number, ErrorMapping> = {
  // Voyage documents 502 and 503 as "servers under high traffic; retry after a brief wait".
  502: OVERLOADED,
};

/** Maps a non-2xx response from `/v1/embeddings`; the status decides the code. */
export const decodeError = statusErrorDecoder("Voyage", VOYAGE_STATUSES, readDetail);

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
