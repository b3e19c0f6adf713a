/**
 * Server-sent events parser (WHATWG HTML, "Parsing an event stream"). It accepts LF, CR and
 * CRLF line ends, comment lines, `data` split over several lines and a UTF-8 character split
 * across network reads, because providers emit all of these.
 */

import { NexusError } from "../errors/nexus-error.ts";

export interface SseEvent {
  /** The `event:` field, or "message" when the event had none. */
  event: string;
  data: string;
  id?: string;
}

/**
 * Longest event accepted, in UTF-16 units (its unfinished line plus its data lines). Real
 * provider events are kilobytes; a larger one is a broken or hostile upstream, which would
 * otherwise grow the gateway's memory without bound.
 */
export const MAX_EVENT_CHARS = 8 * 1024 * 1024;

/**
 * Yields each complete event; an event whose last line the stream cut off is dropped. Throws
 * NexusError `upstream_invalid_response` for an event over MAX_EVENT_CHARS.
 */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder("utf-8");
  const reader = body.getReader();
  let buffer = "";
  let eventName = "";
  let dataLines: string[] = [];
  let dataChars = 0;
  let lastId: string | undefined;
  let finished = false;

  try {
    while (true) {
      const { value, done } = await reader.read();
      // `stream: true` holds back an incomplete multi-byte sequence until the next read.
      // The search starts where the last one stopped (less a byte, for a CR now followed by
      // LF), so a long line costs linear time, not a rescan per read.
      const searchFrom = Math.max(0, buffer.length - 1);
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });

      let lineEnd = findLineEnd(buffer, done, searchFrom);
      while (lineEnd !== -1) {
        const line = buffer.slice(0, lineEnd);
        const skip = buffer[lineEnd] === "\r" && buffer[lineEnd + 1] === "\n" ? 2 : 1;
        buffer = buffer.slice(lineEnd + skip);

        if (line === "") {
          if (dataLines.length > 0) {
            yield { event: eventName || "message", data: dataLines.join("\n"), id: lastId };
          }
          eventName = "";
          dataLines = [];
          dataChars = 0;
        } else if (!line.startsWith(":")) {
          const colon = line.indexOf(":");
          const field = colon === -1 ? line : line.slice(0, colon);
          let value = colon === -1 ? "" : line.slice(colon + 1);
          if (value.startsWith(" ")) value = value.slice(1);
          if (field === "event") eventName = value;
          else if (field === "data") {
            dataLines.push(value);
            dataChars += value.length;
            if (dataChars > MAX_EVENT_CHARS) throw oversizedEvent();
          }
          else if (field === "id") lastId = value;
        }
        lineEnd = findLineEnd(buffer, done);
      }
      if (buffer.length + dataChars > MAX_EVENT_CHARS) throw oversizedEvent();
      if (done) {
        finished = true;
        // Some servers end with "data: [DONE]\n" and no blank line. The WHATWG rules drop that
        // event, but its last line arrived whole, so it is kept; a line cut mid-way is not.
        if (buffer === "" && dataLines.length > 0) {
          yield { event: eventName || "message", data: dataLines.join("\n"), id: lastId };
        }
        return;
      }
    }
  } finally {
    // A consumer that stops early must not leave the upstream body open. It usually stops at
    // the provider's final event, with at most a few bytes left: reading those to the end
    // lets the HTTP client reuse the connection, where a cancel would close it.
    if (!finished) void drainThenCancel(reader);
    else reader.releaseLock();
  }
}

/** Most bytes read after the consumer stopped, and the longest wait for them. */
const DRAIN_MAX_BYTES = 64 * 1024;
const DRAIN_MAX_MS = 1000;

async function drainThenCancel(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let drained = 0;
  const deadline = setTimeout(() => {
    reader.cancel().catch(() => undefined);
  }, DRAIN_MAX_MS);
  try {
    while (drained <= DRAIN_MAX_BYTES) {
      const { value, done } = await reader.read();
      if (done) return;
      drained += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // The body failed or was cancelled by the deadline or an abort; either way it is closed.
  } finally {
    clearTimeout(deadline);
  }
}

/**
 * Finds the next line end. A lone CR at the very end of the buffer may be the first half of a
 * CRLF split across reads, so it only counts once the stream is done.
 */
function oversizedEvent(): NexusError {
  return new NexusError(
    "upstream_invalid_response",
    `The provider sent a stream event over ${MAX_EVENT_CHARS} characters.`,
    { status: 502, type: "api_error" },
  );
}

function findLineEnd(buffer: string, done: boolean, from = 0): number {
  const lf = buffer.indexOf("\n", from);
  const cr = buffer.indexOf("\r", from);
  if (cr === -1 || (lf !== -1 && lf < cr)) return lf;
  if (cr + 1 < buffer.length || done) return cr;
  return -1;
}
