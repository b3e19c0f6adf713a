import type { LoadedBody } from "../runtime/audit/capture-read.ts";
import { NexusError } from "../runtime/errors/nexus-error.ts";
import { codingNamed, decodeBody } from "../services/gateway/src/decode-body.ts";

/**
 * Largest decoded body that `events show` prints. It is above the gateway's default request
 * limit of 8 MiB, which also bounds decoded requests, so only a body accepted under a larger
 * `server.maxBodyBytes` can exceed it.
 */
export const MAX_DISPLAY_BYTES = 64 * 1024 * 1024;

/** The bytes to print for a captured body, and facts for its header line. */
export interface DisplayedBody {
  /** The bytes to print, or null when nothing should be printed. */
  bytes: Uint8Array | null;
  /** Facts about the encoding for the header line, empty for a body stored uncompressed. */
  facts: string[];
}

/**
 * Decodes a body that raw capture stored compressed (its `contentEncoding`), so `events show`
 * prints the JSON rather than compressed bytes. A body that fails to decode is not printed,
 * because its bytes are binary. The size and SHA-256 check applies to the stored bytes.
 */
export async function decodeForDisplay(body: LoadedBody,
  maxBytes = MAX_DISPLAY_BYTES): Promise<DisplayedBody> {
  const encoding = body.meta.contentEncoding;
  if (encoding === undefined || body.bytes === null) return { bytes: body.bytes, facts: [] };

  const coding = codingNamed(encoding.toLowerCase());
  if (coding === null) {
    return { bytes: null, facts: [encoding, "not shown: unknown content coding"] };
  }
  try {
    const decoded = await decodeBody(body.bytes, coding, maxBytes);
    return { bytes: decoded, facts: [encoding, "decoded for display"] };
  } catch (error) {
    const reason = error instanceof NexusError && error.code === "body_too_large"
      ? `decoded size exceeds ${maxBytes} bytes`
      : `not valid ${encoding} data`;
    return { bytes: null, facts: [encoding, `not shown: ${reason}`] };
  }
}
