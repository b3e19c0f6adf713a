import { describe, expect, test } from "bun:test";
import { busNames, eventSubject } from "../../../runtime/bus/bus-names.ts";
import { decodeEvent, encodeEvent, EventDecodeError } from "../../../runtime/bus/event-codec.ts";
import { busEvent } from "./support.ts";

const encoder = new TextEncoder();

describe("event codec", () => {
  test("round-trips inline body bytes", () => {
    const event = busEvent({
      captureInline: { request: new Uint8Array([0, 1, 2, 255]), response: null },
      detail: { upstreamStatus: 502 },
    });
    const decoded = decodeEvent(encodeEvent(event));

    expect(decoded).toEqual(event);
    expect(decoded.captureInline?.request).toBeInstanceOf(Uint8Array);
  });

  test("round-trips an event without capture", () => {
    const event = busEvent();
    const decoded = decodeEvent(encodeEvent(event));

    expect(decoded).toEqual(event);
    expect("captureInline" in decoded).toBe(false);
  });

  const invalid: [string, string][] = [
    ["not JSON", "not json {"],
    ["an array", "[]"],
    ["no request id", JSON.stringify({ ...busEvent(), requestId: undefined })],
    ["empty request id", JSON.stringify({ ...busEvent(), requestId: "" })],
    ["time as text", JSON.stringify({ ...busEvent(), time: "yesterday" })],
    ["null detail", JSON.stringify({ ...busEvent(), detail: null })],
    ["numeric inline body",
      JSON.stringify({ ...busEvent(), captureInline: { request: 5, response: null } })],
  ];
  for (const [name, text] of invalid) {
    test(`rejects ${name}`, () => {
      expect(() => decodeEvent(encoder.encode(text))).toThrow(EventDecodeError);
    });
  }

  test("rejects invalid UTF-8", () => {
    expect(() => decodeEvent(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(EventDecodeError);
  });
});

describe("event subject", () => {
  const names = busNames("nexus");
  const cases: [string | null, string][] = [
    ["acme", "nexus.events.acme"],
    ["a.b", "nexus.events.a%2Eb"],
    ["a*b>c d", "nexus.events.a%2Ab%3Ec%20d"],
    [null, "nexus.events.%"],
    ["", "nexus.events.%"],
  ];
  for (const [org, subject] of cases) {
    test(`encodes org ${JSON.stringify(org)}`, () => {
      expect(eventSubject(names, org)).toBe(subject);
    });
  }

  test("rejects a prefix with a dot", () => {
    expect(() => busNames("nexus.prod")).toThrow("invalid bus prefix");
  });
});
