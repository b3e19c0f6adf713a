import { describe, expect, test } from "bun:test";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { OFFLOAD_CHARS, OffloadingPiiScanner } from "../../../runtime/pii/offload.ts";

describe("scanning large texts on a worker", () => {
  const scanner = new OffloadingPiiScanner({ kinds: ["email", "credit_card"] });

  test("small and large texts find the same items at the same offsets", async () => {
    const item = "write to jane.doe@example.com, card 4111 1111 1111 1111. ";
    const small = await scanner.scan(item);
    const large = await scanner.scan(item.repeat(Math.ceil(OFFLOAD_CHARS / item.length) + 1));

    expect(small.map((span) => span.kind)).toEqual(["email", "credit_card"]);
    expect(large.slice(0, 2)).toEqual(small);
    expect(large.length).toBeGreaterThan(2 * (OFFLOAD_CHARS / item.length));
  });

  test("the event loop keeps running during a long scan", async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    await scanner.scan("1 ".repeat(2 * 1024 * 1024));
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });

  test("a text over the engine's limit fails as too large", async () => {
    const failure = await scanner.scan("a".repeat(scanner.maxInputBytes + 1))
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NexusError);
    expect((failure as NexusError).status).toBe(413);
  });
});

describe("folding and scanning large texts on the worker", () => {
  const scanner = new OffloadingPiiScanner({ kinds: ["us_ssn"] });

  test("non-ASCII hostile text keeps the event loop running", async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    const result = await scanner.scanOriginal("\u0661 ".repeat(1_000_000));
    clearInterval(timer);
    expect(Array.isArray(result)).toBe(true);
    expect(ticks).toBeGreaterThan(0);
  });

  test("spans from the worker are in the original text's offsets", async () => {
    const filler = "\u00e9".repeat(OFFLOAD_CHARS);
    const text = `${filler} ssn \uFF11\uFF12\uFF13-45-6789`;
    const result = await scanner.scanOriginal(text);
    expect(Array.isArray(result)).toBe(true);
    const [span] = result as { start: number; end: number }[];
    expect(text.slice(span!.start, span!.end)).toBe("\uFF11\uFF12\uFF13-45-6789");
  });
});
