/**
 * Maps Cohere HTTP error responses to NexusError by status. Cohere's error body is
 * `{"message": …}`, sometimes with an `id`. The message is kept because it explains the
 * failure.
 */

import { statusErrorDecoder } from "../shared/status-error.ts";
import { AUTH_FAILED, type ErrorMapping, PERMISSION_DENIED } from "../upstream-status.ts";

/** Cohere's statuses beyond the standard map, and what the client sees for each. */
const COHERE_STATUSES: Record<number, ErrorMapping> = {
  // 402: the account's billing limit is reached; the gateway's key cannot be used for now.
  402: { ...PERMISSION_DENIED, status: 402 },
  // 498 is Cohere's "invalid token": a bad key, which clients know as 401.
  498: AUTH_FAILED,
};

/** Maps a non-2xx response from `/v2/chat` or `/v2/embed`; the status decides the code. */
export const decodeError = statusErrorDecoder("Cohere", COHERE_STATUSES, readMessage);

function readMessage(text: string): string | null {
  try {
    const parsed = JSON.parse(text) as { message?: unknown } | null;
    return typeof parsed?.message === "string" ? parsed.message : null;
  } catch {
    return null;
  }
}
