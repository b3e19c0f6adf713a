import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import type { ProviderCodec } from "../../../../runtime/providers/codec.ts";

/**
 * Throws the client-facing error for a provider response that is not a success. Redirects are
 * not followed (a provider API never redirects a POST it accepted), so a 3xx is reported as an
 * invalid response, the same for every provider.
 */
export async function rejectFailedUpstream(
  response: Response,
  codec: ProviderCodec,
): Promise<void> {
  if (response.ok) return;
  const text = await response.text().catch(() => "");
  if (response.status < 400) {
    throw new NexusError(
      "upstream_invalid_response",
      `The provider answered with HTTP ${response.status} instead of a result.`,
      { status: 502, type: "api_error" },
    );
  }
  throw codec.decodeError(response.status, response.headers, text);
}
