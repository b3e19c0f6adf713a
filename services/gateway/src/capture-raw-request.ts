import { CaptureWriter, type SpillTarget } from "../../../runtime/audit/capture-writer.ts";
import { type ContentCoding, contentCodingOf } from "./decode-body.ts";
import { declaredLength, discardBody } from "./read-body.ts";

/**
 * Reads a copy of the request body into a capture writer while the route reads the original,
 * for raw capture. Resolves to the writer. A body over `limitBytes` or with an unsupported
 * Content-Encoding (which the route rejects too) or a failed read resolves to null, and the
 * writer is discarded.
 */
export function readRawRequest(
  request: Request,
  options: { spill: SpillTarget; requestId: string; maxInlineBytes: number; limitBytes: number },
): Promise<CaptureWriter | null> {
  // The route rejects a declared length over the limit without reading the body. A copy would
  // keep waiting for bytes the client need not send, so none is made.
  if (declaredLength(request.headers) > options.limitBytes) return Promise.resolve(null);
  // The route rejects an unsupported Content-Encoding before reading the body too.
  const coding = codingOf(request.headers);
  if (coding === undefined) return Promise.resolve(null);

  // Cloning tees the body, so the route's read and this one each get every byte.
  const body = request.clone().body;
  if (body === null) return Promise.resolve(null);

  const writer = new CaptureWriter({
    spill: options.spill,
    requestId: options.requestId,
    part: "request",
    contentType: request.headers.get("content-type") ?? "application/json",
    // Raw mode stores the bytes as received, so a compressed body stays compressed.
    contentEncoding: coding ?? undefined,
    maxInlineBytes: options.maxInlineBytes,
  });
  return copyInto(body.getReader(), writer, options.limitBytes);
}

/** Returns the body's content coding, null for none, or undefined for one the route rejects. */
function codingOf(headers: Headers): ContentCoding | null | undefined {
  try {
    return contentCodingOf(headers);
  } catch {
    return undefined;
  }
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
        discardBody(reader);
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
