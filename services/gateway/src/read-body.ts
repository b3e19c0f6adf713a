import { NexusError } from "../../../runtime/errors/nexus-error.ts";
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
  /** Size of the body in bytes as received. */
  bytes: number;
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
 * the limit, so a huge body is never held in memory whole.
 */
export async function readJsonBody(request: Request, limit: number): Promise<JsonBody> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) {
    await request.body?.cancel().catch(() => undefined);
    throw tooLarge(limit);
  }

  let text: string;
  try {
    // With a declared length within the limit, one native read is much cheaper than a stream
    // reader (measured: the reader's promise chain was the largest cost per small request).
    text = Number.isFinite(declared) ? await request.text() : await readLimitedText(request, limit);
  } catch (error) {
    if (error instanceof NexusError) throw error;
    // Bun rejects a body read when the connection broke mid-body, which means the client went
    // away. The request's abort signal may not have fired yet at this point.
    throw new ClientDisconnected();
  }

  // A client that left mid-upload can leave a truncated body behind; it is not a bad request.
  if (request.signal.aborted) throw new ClientDisconnected();
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
  // A declared length is the body's exact size: the server reads no more and no less.
  const bytes = Number.isFinite(declared) ? declared : Buffer.byteLength(text);
  return { value, chars: text.length, bytes };
}

async function readLimitedText(request: Request, limit: number): Promise<string> {
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    parts.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(parts));
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
