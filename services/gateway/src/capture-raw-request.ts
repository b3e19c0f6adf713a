import { CaptureWriter, type SpillTarget } from "../../../runtime/audit/capture-writer.ts";

/**
 * Reads a copy of the request body into a capture writer while the route reads the original,
 * for raw capture. Resolves to the writer. A body over `limitBytes` (which the route rejects
 * too) or a failed read resolves to null, and the writer is discarded.
 */
export function readRawRequest(
  request: Request,
  options: { spill: SpillTarget; requestId: string; maxInlineBytes: number; limitBytes: number },
): Promise<CaptureWriter | null> {
  // Cloning tees the body, so the route's read and this one each get every byte.
  const body = request.clone().body;
  if (body === null) return Promise.resolve(null);

  const writer = new CaptureWriter({
    spill: options.spill,
    requestId: options.requestId,
    part: "request",
    contentType: request.headers.get("content-type") ?? "application/json",
    maxInlineBytes: options.maxInlineBytes,
  });
  return copyInto(body.getReader(), writer, options.limitBytes);
}

async function copyInto(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  writer: CaptureWriter,
  limitBytes: number,
): Promise<CaptureWriter | null> {
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return writer;
      if (writer.size + value.byteLength > limitBytes) {
        await reader.cancel().catch(() => undefined);
        writer.discard();
        return null;
      }
      writer.write(value);
    }
  } catch {
    // The client went away mid-body, or the spill file failed; the route reports the former.
    writer.discard();
    return null;
  }
}
