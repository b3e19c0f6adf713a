import { NexusError } from "../../../runtime/errors/nexus-error.ts";

function tooLarge(limit: number): NexusError {
  return new NexusError(
    "body_too_large",
    `Request body exceeds the gateway limit of ${limit} bytes.`,
    { status: 413, type: "invalid_request_error" },
  );
}

/**
 * Reads a JSON body of at most `limit` bytes. A declared `content-length` over the limit is
 * rejected before reading; otherwise the body is counted as it arrives and reading stops at the
 * limit, so a huge body is never held in memory whole.
 */
export async function readJsonBody(request: Request, limit: number): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) {
    await request.body?.cancel().catch(() => undefined);
    throw tooLarge(limit);
  }

  const text = await readLimitedText(request, limit);
  if (text.trim() === "") {
    throw new NexusError("invalid_json", "The request body is empty; send a JSON object.", {
      status: 400,
      type: "invalid_request_error",
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new NexusError(
      "invalid_json",
      `The request body is not valid JSON: ${(error as Error).message}`,
      { status: 400, type: "invalid_request_error", cause: error },
    );
  }
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
