/**
 * Builds ConverseStream bodies: AWS event stream messages (`application/vnd.amazon.eventstream`)
 * encoded by @smithy/core's EventStreamCodec. Each event or exception is one message and one
 * payload part, so event-level faults cut between messages.
 */

import { EventStreamCodec, type MessageHeaders } from "@smithy/core/event-streams";
import type { Payload } from "./payload.ts";

const codec = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (text) => new TextEncoder().encode(text),
);

export const EVENT_STREAM_TYPE = "application/vnd.amazon.eventstream";

/** Encodes a message of type `event` whose payload is the event's JSON. */
export function eventMessage(eventType: string, payload: unknown): Uint8Array {
  return encode(
    {
      ":event-type": { type: "string", value: eventType },
      ":content-type": { type: "string", value: "application/json" },
      ":message-type": { type: "string", value: "event" },
    },
    payload,
  );
}

/** Encodes a message of type `exception`, which Bedrock sends for a failure mid-stream. */
export function exceptionMessage(exceptionType: string, message: string): Uint8Array {
  return encode(
    {
      ":exception-type": { type: "string", value: exceptionType },
      ":content-type": { type: "string", value: "application/json" },
      ":message-type": { type: "string", value: "exception" },
    },
    { message },
  );
}

/** Re-frames a recorded `.chunks.txt`: one `{"<eventType>": payload}` object per line. */
export function messagesFromChunkLines(text: string): Uint8Array[] {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  return lines.map((line) => {
    const entries = Object.entries(JSON.parse(line) as Record<string, unknown>);
    if (entries.length !== 1) throw new Error(`expected one event per line, got: ${line}`);
    const [eventType, payload] = entries[0]!;
    return eventMessage(eventType, payload);
  });
}

export function eventStreamPayload(headers: Headers, messages: Uint8Array[]): Payload {
  headers.set("content-type", EVENT_STREAM_TYPE);
  return { status: 200, headers, parts: messages, streaming: true };
}

function encode(headers: MessageHeaders, payload: unknown): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(payload));
  return codec.encode({ headers, body });
}
