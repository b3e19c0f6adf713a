import { NexusError } from "../../errors/nexus-error.ts";
import { readErrorBody, type UpstreamErrorFields } from "./error-fields.ts";

/** Maps a non-2xx `/chat/completions` or `/embeddings` response to the client's NexusError. */
export function decodeError(status: number, headers: Headers, bodyText: string): NexusError {
  return mapUpstreamError(status, readErrorBody(bodyText), readRetryAfter(headers));
}

/**
 * Maps an upstream status and its error fields to a NexusError, keeping the upstream message.
 * 401 becomes a message about the gateway's own credential, because the client's virtual key
 * was already accepted by the gateway and the client cannot fix the provider key.
 */
export function mapUpstreamError(
  status: number,
  fields: UpstreamErrorFields,
  retryAfter: string | null,
): NexusError {
  const upstream = fields.message ?? `The upstream provider returned HTTP ${status}.`;
  const options = { retryAfter, param: fields.param };

  switch (status) {
    case 400:
      return new NexusError("upstream_bad_request", upstream, {
        ...options,
        status: 400,
        type: "invalid_request_error",
      });
    case 401:
      return new NexusError(
        "upstream_auth_failed",
        `The upstream provider rejected the gateway's credential for this provider: ${upstream}`,
        { ...options, status: 401, type: "authentication_error" },
      );
    case 403:
      return new NexusError("upstream_permission_denied", upstream, {
        ...options,
        status: 403,
        type: "permission_error",
      });
    case 404:
      return new NexusError("upstream_not_found", upstream, {
        ...options,
        status: 404,
        type: "not_found_error",
      });
    case 429:
      return new NexusError("upstream_rate_limited", upstream, {
        ...options,
        status: 429,
        type: "rate_limit_error",
      });
    case 500:
    case 502:
      return new NexusError("upstream_error", upstream, { ...options, status, type: "api_error" });
    case 503:
    case 529:
      return new NexusError("upstream_overloaded", upstream, {
        ...options,
        status: 503,
        type: "overloaded_error",
      });
  }
  return mapOtherStatus(status, upstream, options);
}

function mapOtherStatus(
  status: number,
  upstream: string,
  options: { retryAfter: string | null; param: string | null },
): NexusError {
  if (status >= 400 && status < 500) {
    return new NexusError("upstream_bad_request", upstream, {
      ...options,
      status,
      type: "invalid_request_error",
    });
  }
  return new NexusError("upstream_error", upstream, { ...options, status: 502, type: "api_error" });
}

/**
 * Returns the `retry-after` header unchanged. When only OpenAI's `retry-after-ms` is present, it
 * is converted to whole seconds, rounded up, because `retry-after` carries seconds.
 */
function readRetryAfter(headers: Headers): string | null {
  const seconds = headers.get("retry-after");
  if (seconds !== null) return seconds;

  const millisecondsText = headers.get("retry-after-ms");
  if (millisecondsText === null || millisecondsText.trim() === "") return null;

  const milliseconds = Number(millisecondsText);
  if (!Number.isFinite(milliseconds) || milliseconds < 0) return null;
  return String(Math.ceil(milliseconds / 1000));
}
