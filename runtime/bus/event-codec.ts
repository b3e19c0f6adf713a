import type { InlineBodies } from "../audit/capture-record.ts";
import type { TrafficEvent } from "../audit/traffic-event.ts";
import { parseJsonObject } from "./json-message.ts";

/** The JSON form of an event on the bus, with inline body bytes as base64. */
interface WireEvent extends Omit<TrafficEvent, "captureInline"> {
  captureInline?: { request: string | null; response: string | null };
}

/** A bus message that is not a traffic event this version can read. */
export class EventDecodeError extends Error {
  override readonly name = "EventDecodeError";
}

const encoder = new TextEncoder();

/** Encodes one event as UTF-8 JSON, the inline bodies included. */
export function encodeEvent(event: TrafficEvent): Uint8Array {
  const { captureInline, ...rest } = event;
  const wire: WireEvent = rest;
  if (captureInline !== undefined) {
    wire.captureInline = {
      request: toBase64(captureInline.request),
      response: toBase64(captureInline.response),
    };
  }
  return encoder.encode(JSON.stringify(wire));
}

/**
 * Decodes what `encodeEvent` wrote. Checks the fields a store needs to place the row (request
 * id, time, route, status, stream flag, latency), so a malformed message fails here rather
 * than in the middle of a batch insert.
 */
export function decodeEvent(data: Uint8Array): TrafficEvent {
  const parsed = parseJsonObject(data, "traffic event",
    (message) => new EventDecodeError(message));
  const wire = checkWireEvent(parsed);
  const { captureInline, ...rest } = wire;
  const event: TrafficEvent = rest;
  if (captureInline !== undefined) event.captureInline = inlineFromWire(captureInline);
  return event;
}

function checkWireEvent(record: Record<string, unknown>): WireEvent {
  const expected: [string, string][] = [
    ["requestId", "string"], ["time", "number"], ["route", "string"], ["status", "number"],
    ["stream", "boolean"], ["latencyMs", "number"], ["detail", "object"],
  ];
  for (const [field, type] of expected) {
    if (typeof record[field] !== type || record[field] === null) {
      throw new EventDecodeError(`invalid traffic event: field "${field}" is not a ${type}`);
    }
  }
  if (record.requestId === "") {
    throw new EventDecodeError("invalid traffic event: requestId is empty");
  }
  return record as unknown as WireEvent;
}

function inlineFromWire(wire: { request: unknown; response: unknown }): InlineBodies {
  return { request: fromBase64(wire.request), response: fromBase64(wire.response) };
}

function toBase64(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Buffer.from(bytes).toString("base64");
}

function fromBase64(value: unknown): Uint8Array | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "string") {
    throw new EventDecodeError("invalid traffic event: an inline body is not base64 text");
  }
  return new Uint8Array(Buffer.from(value, "base64"));
}
