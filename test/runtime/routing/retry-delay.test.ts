import { describe, expect, test } from "bun:test";
import { parseRetryAfterMs, retryDelayMs } from "../../../runtime/routing/retry-delay.ts";

const settings = { attempts: 5, baseMs: 100, maxMs: 1000 };

describe("retryDelayMs", () => {
  test("backoff doubles with half of it jittered", () => {
    expect(retryDelayMs(1, settings, null, () => 0, 0)).toBe(50);
    expect(retryDelayMs(1, settings, null, () => 0.999999, 0)).toBe(100);
    expect(retryDelayMs(2, settings, null, () => 0, 0)).toBe(100);
    expect(retryDelayMs(3, settings, null, () => 0, 0)).toBe(200);
  });

  test("backoff is capped at maxMs", () => {
    expect(retryDelayMs(10, settings, null, () => 0.999999, 0)).toBe(1000);
    expect(retryDelayMs(10, settings, null, () => 0, 0)).toBe(500);
  });

  test("retry-after within the cap is honoured", () => {
    expect(retryDelayMs(1, settings, "1", () => 0, 0)).toBe(1000);
    expect(retryDelayMs(1, settings, "0", () => 0.5, 0)).toBe(0);
  });

  test("retry-after beyond the cap gives null", () => {
    expect(retryDelayMs(1, settings, "2", () => 0, 0)).toBeNull();
  });

  test("unparseable retry-after falls back to backoff", () => {
    expect(retryDelayMs(1, settings, "soon", () => 0, 0)).toBe(50);
  });
});

describe("parseRetryAfterMs", () => {
  test("seconds", () => {
    expect(parseRetryAfterMs("17", 0)).toBe(17_000);
    expect(parseRetryAfterMs(" 3 ", 0)).toBe(3000);
  });

  test("HTTP date", () => {
    const now = Date.parse("Wed, 21 Oct 2026 07:28:00 GMT");
    expect(parseRetryAfterMs("Wed, 21 Oct 2026 07:28:02 GMT", now)).toBe(2000);
    expect(parseRetryAfterMs("Wed, 21 Oct 2026 07:27:00 GMT", now)).toBe(0);
  });

  test("neither", () => {
    expect(parseRetryAfterMs("-1", 0)).toBeNull();
    expect(parseRetryAfterMs("later", 0)).toBeNull();
  });
});
