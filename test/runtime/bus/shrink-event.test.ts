import { describe, expect, test } from "bun:test";
import { decodeEvent } from "../../../runtime/bus/event-codec.ts";
import {
  DEFAULT_MAX_PAYLOAD_BYTES,
  encodeEventWithin,
  eventByteLimit,
  PAYLOAD_HEADROOM_BYTES,
} from "../../../runtime/bus/shrink-event.ts";
import { truncateInput } from "../../../runtime/errors/truncate-input.ts";
import { busEvent } from "./support.ts";

const LIMIT = 64 * 1024;

describe("encodeEventWithin", () => {
  test("small event encodes unchanged", () => {
    const event = busEvent({ detail: { error_message: "short" } });
    const encoded = encodeEventWithin(event, LIMIT);

    expect(encoded.steps).toEqual([]);
    expect(decodeEvent(encoded.data).detail).toEqual({ error_message: "short" });
  });

  test("long texts truncated at any depth", () => {
    const event = busEvent({
      model: "r".repeat(200_000),
      detail: { error_message: "m".repeat(200_000), hooks: [{ reason: "h".repeat(200_000) }] },
    });
    const encoded = encodeEventWithin(event, LIMIT);
    const decoded = decodeEvent(encoded.data);

    expect(encoded.steps).toEqual(["text_truncated"]);
    expect(encoded.data.byteLength).toBeLessThanOrEqual(LIMIT);
    expect(decoded.detail.event_truncated).toBe(true);
    expect(decoded.detail.event_original_bytes).toBe(encoded.originalBytes);
    expect(decoded.model).toContain("(200000 characters)");
    const hooks = decoded.detail.hooks as { reason: string }[];
    expect(hooks[0]?.reason).toContain("(200000 characters)");
  });

  test("detail with many entries dropped last", () => {
    const detail: Record<string, unknown> = { error_message: "failed" };
    for (let index = 0; index < 20_000; index += 1) detail[`key_${index}`] = index;
    const encoded = encodeEventWithin(busEvent({ detail }), LIMIT);
    const decoded = decodeEvent(encoded.data);

    expect(encoded.steps).toEqual(["text_truncated", "detail_dropped"]);
    expect(encoded.data.byteLength).toBeLessThanOrEqual(LIMIT);
    expect(decoded.detail.detail_dropped).toBe(true);
    expect(decoded.detail.error_message).toBe("failed");
    expect(decoded.detail.key_1).toBeUndefined();
  });

  test("same event shrinks to same bytes", () => {
    const event = busEvent({ detail: { error_message: "m".repeat(200_000) } });

    expect(encodeEventWithin(event, LIMIT).data).toEqual(encodeEventWithin(event, LIMIT).data);
  });

  test("unshrinkable event returned over the limit", () => {
    const event = busEvent({ keyId: "k".repeat(200_000) });
    const encoded = encodeEventWithin(event, LIMIT);

    expect(encoded.data.byteLength).toBeGreaterThan(LIMIT);
    expect(encoded.steps).toEqual(["text_truncated", "detail_dropped"]);
  });
});

describe("eventByteLimit", () => {
  test("server limit under 1 MiB used", () => {
    expect(eventByteLimit(512 * 1024)).toBe(512 * 1024 - PAYLOAD_HEADROOM_BYTES);
  });

  test("missing or larger limit capped at 1 MiB", () => {
    const capped = DEFAULT_MAX_PAYLOAD_BYTES - PAYLOAD_HEADROOM_BYTES;
    expect(eventByteLimit(undefined)).toBe(capped);
    expect(eventByteLimit(8 * 1024 * 1024)).toBe(capped);
  });
});

describe("truncateInput", () => {
  test("short value unchanged", () => {
    expect(truncateInput("gpt-test")).toBe("gpt-test");
  });

  test("long value cut with its length", () => {
    expect(truncateInput("abcdef", 3)).toBe("abc… (6 characters)");
  });

  test("surrogate pair never split", () => {
    const value = `ab${"😀".repeat(3)}`;
    const cut = truncateInput(value, 3);

    expect(cut).toBe(`ab… (${value.length} characters)`);
    expect(cut.isWellFormed()).toBe(true);
  });
});
