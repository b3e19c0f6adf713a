import { promisify } from "node:util";
import zlib from "node:zlib";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { truncateInput } from "../../../runtime/errors/truncate-input.ts";

/** A content coding (RFC 9110) that the gateway decodes. `identity` needs no decoding. */
export type ContentCoding = "gzip" | "deflate" | "br";

/** Coding names by header token. RFC 9110 says a recipient should treat `x-gzip` as gzip. */
const CODINGS: Record<string, ContentCoding> = {
  gzip: "gzip",
  "x-gzip": "gzip",
  deflate: "deflate",
  br: "br",
};

/** The coding names that error messages offer. */
const SUPPORTED = "gzip, deflate or br";

type Decode = (input: Uint8Array, options: zlib.ZlibOptions | zlib.BrotliOptions) =>
  Promise<Buffer>;

const gunzip = promisify(zlib.gunzip) as Decode;
const inflate = promisify(zlib.inflate) as Decode;
const inflateRaw = promisify(zlib.inflateRaw) as Decode;
const brotliDecompress = promisify(zlib.brotliDecompress) as Decode;

function unsupported(value: string): NexusError {
  return new NexusError(
    "invalid_request",
    `Content-Encoding "${truncateInput(value)}" is not supported; send the body uncompressed `
      + `or encoded with one of ${SUPPORTED}.`,
    { status: 415, type: "invalid_request_error" },
  );
}

/**
 * Returns the coding of the request body from `content-encoding`, or null for none. Raises a
 * 415 for an unknown coding and for stacked codings such as `gzip, br`, which clients do not
 * send in practice and which would multiply the decoding work per request.
 */
export function contentCodingOf(headers: Headers): ContentCoding | null {
  const value = headers.get("content-encoding");
  if (value === null) return null;

  const codings = value.split(",").map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");
  if (codings.length === 0) return null;
  if (codings.length > 1) throw unsupported(value);
  const coding = codingNamed(codings[0] as string);
  if (coding === null) throw unsupported(value);
  return coding;
}

/**
 * Returns the coding of one `content-encoding` token in lower case, or null for one the
 * gateway does not decode. The own-property check keeps names such as `constructor` out.
 */
export function codingNamed(token: string): ContentCoding | null {
  return Object.hasOwn(CODINGS, token) ? CODINGS[token] as ContentCoding : null;
}

/**
 * Decodes a compressed body into at most `limit` bytes. zlib stops as soon as the output
 * passes `maxOutputLength`, so a small body that expands to gigabytes (a decompression bomb)
 * costs at most `limit` bytes of memory before it is rejected with 413.
 */
export async function decodeBody(input: Uint8Array, coding: ContentCoding,
  limit: number): Promise<Uint8Array> {
  try {
    return await decoderFor(coding, input)(input, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new NexusError(
        "body_too_large",
        `Request body exceeds the gateway limit of ${limit} bytes once decoded `
          + `(Content-Encoding: ${coding}).`,
        { status: 413, type: "invalid_request_error", cause: error },
      );
    }
    throw new NexusError(
      "invalid_request",
      `The request body is not valid ${coding} data, as its Content-Encoding states: `
        + `${(error as Error).message}`,
      { status: 400, type: "invalid_request_error", cause: error },
    );
  }
}

/**
 * Picks the decoder. HTTP's `deflate` is deflate data in the zlib format (RFC 1950), but some
 * clients send raw deflate data (RFC 1951). A body that does not start with a zlib header
 * (compression method 8, and the first two bytes a multiple of 31) is inflated as raw deflate.
 */
function decoderFor(coding: ContentCoding, input: Uint8Array): Decode {
  if (coding === "gzip") return gunzip;
  if (coding === "br") return brotliDecompress;
  const [first = 0, second = 0] = input;
  const zlibHeader = (first & 0x0f) === 8 && ((first << 8) | second) % 31 === 0;
  return zlibHeader ? inflate : inflateRaw;
}
