/**
 * Voyage AI's error responses: `{"detail": "…"}` with the message as a string, for the
 * statuses its API reference lists (400, 401, 403, 429, 5xx).
 */

import { jsonPayload, type Payload } from "./payload.ts";

export interface VoyageErrorBody {
  detail: string;
}

const VOYAGE_ERROR_BY_STATUS: Record<number, string> = {
  400: "Invalid request body.",
  401: "Provided API key is invalid.",
  403: "Access to the API is forbidden from this IP address.",
  404: "Not Found",
  429: "You have exceeded your rate limit. Please retry after a brief wait.",
  500: "Internal server error.",
  502: "Servers are experiencing high traffic. Please retry after a brief wait.",
  503: "Servers are experiencing high traffic. Please retry after a brief wait.",
};

export function voyageErrorFor(status: number): VoyageErrorBody {
  return { detail: VOYAGE_ERROR_BY_STATUS[status] ?? VOYAGE_ERROR_BY_STATUS[500]! };
}

/** Voyage documents no request id header, so the simulator sends none. */
export function voyageHeaders(): Headers {
  return new Headers();
}

export function voyageError(status: number, detail: string): Payload {
  return jsonPayload(status, voyageHeaders(), { detail });
}
