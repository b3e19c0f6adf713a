/**
 * Maps Replicate HTTP error responses to NexusError by status. Replicate sends problem-details
 * JSON (`{"title","detail","status"}`), and some endpoints only `{"detail"}`; the
 * detail is kept because it explains the failure.
 */

import { statusErrorDecoder } from "../shared/status-error.ts";
import { BAD_REQUEST, type ErrorMapping, PERMISSION_DENIED } from "../upstream-status.ts";

/** Replicate's statuses beyond the standard map, and what the client sees for each. */
const REPLICATE_STATUSES: Record<number, ErrorMapping> = {
  // 402: the account has no credit left; the gateway's token cannot run predictions for now.
  402: { ...PERMISSION_DENIED, status: 402 },
  // 422: the input failed the model's schema (an unknown or out-of-range input).
  422: { ...BAD_REQUEST, status: 422 },
};

/** Maps a non-2xx response from a predictions endpoint; the status decides the code. */
export const decodeError = statusErrorDecoder("Replicate", REPLICATE_STATUSES, readProblem);

/** Returns "title: detail", or whichever of the two the body has, or null. */
function readProblem(text: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null) return null;

  const { title, detail } = parsed as { title?: unknown; detail?: unknown };
  const parts = [title, detail].filter(
    (part): part is string => typeof part === "string" && part !== "",
  );
  return parts.length === 0 ? null : parts.join(": ");
}
