import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { type ContentCoding, contentCodingOf, decodeBody } from "./decode-body.ts";
import { ClientDisconnected } from "./upstream/call.ts";

/**
 * Deepest nesting of arrays and objects accepted. Real requests (tool schemas included) stay
 * far below it; a deeper body could exhaust the stack of the recursive validators.
 */
const MAX_DEPTH = 128;

export interface JsonBody {
  value: unknown;
  /** Length of the body text in UTF-16 code units, for token estimates. */
  chars: number;
  /** Size of the body in bytes, after decoding a compressed body. */
  bytes: number;
}

/** A decoder without state between calls, so one serves every request. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes the body as UTF-8 and raises 400 `invalid_json` on a malformed byte sequence. The
 * default decoder would swap it for U+FFFD and send the altered text upstream.
 */
function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch (error) {
    throw new NexusError(
      "invalid_json",
      "The request body is not valid JSON: it contains invalid UTF-8; send the body as UTF-8.",
      { status: 400, type: "invalid_request_error", cause: error },
    );
  }
}

function tooLarge(limit: number): NexusError {
  return new NexusError(
    "body_too_large",
    `Request body exceeds the gateway limit of ${limit} bytes.`,
    { status: 413, type: "invalid_request_error" },
  );
}

/**
 * Reads a JSON body of at most `limit` bytes. A declared `content-length` over the limit is
 * rejected before reading. A body without one is counted as it arrives and reading stops at
 * the limit, so a huge body is never held in memory whole. A body compressed with gzip, deflate
 * or br (`content-encoding`) is decoded, and the same limit applies to the decoded size too.
 */
export async function readJsonBody(request: Request, limit: number): Promise<JsonBody> {
  const declared = declaredLength(request.headers);
  let coding: ContentCoding | null;
  try {
    coding = contentCodingOf(request.headers);
  } catch (error) {
    discardBody(request.body);
    throw error;
  }
  if (declared > limit) {
    discardBody(request.body);
    throw tooLarge(limit);
  }

  const received = await readBytes(request, limit, declared);
  // An empty body decodes to nothing; it is rejected as empty below.
  const body = coding === null || received.byteLength === 0
    ? received
    : await decodeBody(received, coding, limit);
  const text = decodeUtf8(body);
  const bytes = body.byteLength;

  if (text.trim() === "") {
    throw new NexusError("invalid_json", "The request body is empty; send a JSON object.", {
      status: 400,
      type: "invalid_request_error",
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new NexusError(
      "invalid_json",
      `The request body is not valid JSON: ${(error as Error).message}`,
      { status: 400, type: "invalid_request_error", cause: error },
    );
  }
  checkDepth(value);
  return { value, chars: text.length, bytes };
}

/**
 * Returns the body length the client declared in `content-length`, or NaN without one (a
 * chunked body), so that a comparison with a limit is false.
 */
export function declaredLength(headers: Headers): number {
  return Number(headers.get("content-length") ?? "NaN");
}

/** Reads the body as received, at most `limit` bytes, and checks the client is still there. */
async function readBytes(request: Request, limit: number, declared: number): Promise<Uint8Array> {
  let raw: Uint8Array;
  try {
    // With a declared length within the limit, one native read is much cheaper than a stream
    // reader (measured: the reader's promise chain was the largest cost per small request).
    raw = Number.isFinite(declared)
      ? new Uint8Array(await request.arrayBuffer())
      : await readLimitedBytes(request, limit);
  } catch (error) {
    throw readFailure(error);
  }
  checkConnected(request);
  return raw;
}

/**
 * Cancels a body that will not be read, without waiting for the cancel to settle. With raw
 * capture on, the body is one branch of a tee (WHATWG Streams, ReadableStreamTee). Cancelling
 * one branch settles only once the other branch is cancelled too. Awaiting it held the error
 * response back until the client closed the connection.
 */
export function discardBody(
  body: { cancel(): Promise<void> } | null,
): void {
  body?.cancel().catch(() => undefined);
}

/**
 * Maps a failed body read. Bun rejects a body read when the connection broke mid-body, which
 * means the client went away. The request's abort signal may not have fired yet at this point.
 */
function readFailure(error: unknown): unknown {
  return error instanceof NexusError ? error : new ClientDisconnected();
}

/**
 * Raises ClientDisconnected when the client left mid-upload. The truncated body it leaves
 * behind is not a bad request.
 */
function checkConnected(request: Request): void {
  if (request.signal.aborted) throw new ClientDisconnected();
}

async function readLimitedBytes(request: Request, limit: number): Promise<Uint8Array> {
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      discardBody(reader);
      throw tooLarge(limit);
    }
    parts.push(value);
  }
  return Buffer.concat(parts);
}

/** Walks the parsed body without recursion and rejects nesting deeper than MAX_DEPTH. */
function checkDepth(root: unknown): void {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value !== "object" || value === null) continue;
    if (depth > MAX_DEPTH) {
      throw new NexusError(
        "invalid_request",
        `The request body is nested deeper than ${MAX_DEPTH} levels.`,
        { status: 400, type: "invalid_request_error" },
      );
    }
    const children = Array.isArray(value) ? value : Object.values(value);
    for (const child of children) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
}
