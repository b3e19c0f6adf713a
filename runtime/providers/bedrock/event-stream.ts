/**
 * Reads the AWS event stream encoding (`application/vnd.amazon.eventstream`) of
 * ConverseStream responses. Each message is: total length (uint32, big-endian), headers
 * length (uint32), CRC32 of those 8 bytes, headers, payload, CRC32 of everything before it.
 * This file finds message boundaries across network reads; @smithy/core's EventStreamCodec
 * parses each whole message and checks its message CRC.
 */

import { Crc32 } from "@smithy/core/checksum";
import { EventStreamCodec } from "@smithy/core/event-streams";
import { streamCutError } from "../stream-cut.ts";
import { invalidUpstream } from "./upstream-errors.ts";

export interface EventStreamMessage {
  /** Header values as text; headers of other types (bytes, timestamps) are left out. */
  headers: Record<string, string>;
  payload: Uint8Array;
}

const PRELUDE_BYTES = 12;
/** Prelude plus the message CRC: the size of a message with no headers and no payload. */
const MIN_MESSAGE_BYTES = 16;
/** AWS caps an event stream message at 16 MiB; a larger length means a corrupt prelude. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const codec = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (text) => new TextEncoder().encode(text),
);

/**
 * Yields each message as soon as its last byte arrives. Throws `upstream_invalid_response`
 * for a bad CRC or an impossible length, and `upstream_stream_cut` when the body ends inside
 * a message.
 */
export async function* readEventStream(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<EventStreamMessage> {
  const reader = body.getReader();
  let buffer: Uint8Array = new Uint8Array(0);
  let finished = false;

  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) {
        finished = true;
        if (buffer.length > 0) throw streamCutError();
        return;
      }
      buffer = append(buffer, value);

      let length = completeMessageLength(buffer);
      while (length !== null) {
        yield decodeMessage(buffer.subarray(0, length));
        buffer = buffer.slice(length);
        length = completeMessageLength(buffer);
      }
    }
  } finally {
    if (!finished) void reader.cancel().catch(() => undefined);
  }
}

/** Returns the length of the message at the start of `buffer` once all of it is there. */
function completeMessageLength(buffer: Uint8Array): number | null {
  if (buffer.length < PRELUDE_BYTES) return null;

  const view = new DataView(buffer.buffer, buffer.byteOffset, PRELUDE_BYTES);
  const total = view.getUint32(0);
  const headersLength = view.getUint32(4);
  // The prelude CRC is checked before the length is trusted, so a corrupt length cannot make
  // the reader wait for bytes that never come.
  const checksum = new Crc32();
  checksum.update(buffer.subarray(0, 8));
  if (checksum.digestSync() !== view.getUint32(8)) {
    throw invalidUpstream("an event stream message has a bad prelude CRC.");
  }
  if (total < MIN_MESSAGE_BYTES || total > MAX_MESSAGE_BYTES) {
    throw invalidUpstream(`an event stream message has an invalid length of ${total} bytes.`);
  }
  if (headersLength > total - MIN_MESSAGE_BYTES) {
    throw invalidUpstream("an event stream message has headers longer than the message.");
  }
  return buffer.length >= total ? total : null;
}

function decodeMessage(bytes: Uint8Array): EventStreamMessage {
  let message;
  try {
    message = codec.decode(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalidUpstream(`an event stream message is corrupt: ${reason}`, error);
  }

  const headers: Record<string, string> = {};
  for (const [name, header] of Object.entries(message.headers)) {
    if (header.type === "string") headers[name] = header.value;
  }
  return { headers, payload: message.body };
}

function append(buffer: Uint8Array, bytes: Uint8Array): Uint8Array {
  if (buffer.length === 0) return bytes;
  const joined = new Uint8Array(buffer.length + bytes.length);
  joined.set(buffer, 0);
  joined.set(bytes, buffer.length);
  return joined;
}
