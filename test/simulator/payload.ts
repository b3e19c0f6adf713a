/**
 * A response before it goes on the wire. The body is kept as a list of parts (one SSE event
 * each, or the whole body as one part) so that faults can count events and cut between them.
 */

export interface Payload {
  status: number;
  headers: Headers;
  parts: Uint8Array[];
  /** True for `text/event-stream` bodies: they are always written as a stream. */
  streaming: boolean;
  /** Set when the recording was gzip-encoded on the wire, so replay encodes it again. */
  gzip?: boolean;
}

const encoder = new TextEncoder();

export function jsonPayload(status: number, headers: Headers, body: unknown): Payload {
  headers.set("content-type", "application/json");
  return { status, headers, parts: [encoder.encode(JSON.stringify(body))], streaming: false };
}

export function ssePayload(headers: Headers, events: string[]): Payload {
  headers.set("content-type", "text/event-stream; charset=utf-8");
  const parts = events.map((event) => encoder.encode(event));
  return { status: 200, headers, parts, streaming: true };
}
