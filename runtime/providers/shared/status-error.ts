/**
 * Builds the NexusError for a provider's non-2xx response when its HTTP status decides the
 * error code (Cohere, Replicate, Voyage) and the body only explains it.
 */

import { NexusError } from "../../errors/nexus-error.ts";
import {
  describeRawBody,
  type ErrorMapping,
  isRetryableStatus,
  mappingForStatus,
} from "../upstream-status.ts";

export type DecodeError = (status: number, headers: Headers, bodyText: string) => NexusError;

/**
 * Returns a decodeError for `provider`. `statuses` are the provider's own statuses beyond the
 * standard map, and `readDetail` returns the explanation in an error body, or null.
 */
export function statusErrorDecoder(
  provider: string,
  statuses: Readonly<Record<number, ErrorMapping>>,
  readDetail: (bodyText: string) => string | null,
): DecodeError {
  return (status, headers, bodyText) => {
    const mapping = mappingForStatus(status, statuses);
    const detail = readDetail(bodyText) ?? describeRawBody(status, bodyText);
    return new NexusError(mapping.code, upstreamErrorMessage(provider, mapping, detail), {
      status: mapping.status,
      type: mapping.type,
      retryAfter: retryAfterHeader(status, headers),
    });
  };
}

/** Returns the `retry-after` header of a response that is worth retrying, else null. */
export function retryAfterHeader(status: number, headers: Headers): string | null {
  return isRetryableStatus(status) ? headers.get("retry-after") : null;
}

/** Builds the message. A rejected key is named the gateway's credential, not the client's. */
export function upstreamErrorMessage(
  provider: string,
  mapping: ErrorMapping,
  detail: string,
): string {
  return mapping.code === "upstream_auth_failed"
    ? `The provider rejected the gateway's credential for ${provider}: ${detail}`
    : `${provider} error: ${detail}`;
}
