import { describe, expect, test } from "bun:test";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { createPiiScanner } from "../../../runtime/pii/scanner.ts";

const MiB = 1024 * 1024;
const scanner = createPiiScanner();

/** Text of about `bytes` bytes with one e-mail address every `every` bytes. */
function filler(bytes: number, every: number): { text: string; emails: number } {
  const chunk = "lorem ipsum dolor sit amet ".repeat(Math.ceil(every / 27)).slice(0, every - 20);
  const unit = `${chunk} a.b@example.com `;
  const count = Math.floor(bytes / unit.length);
  return { text: unit.repeat(count), emails: count };
}

describe("pii input sizes", () => {
  test("empty input", () => {
    expect(scanner.scan("")).toEqual([]);
  });

  test("4 MiB input with matches spread through it", () => {
    const { text, emails } = filler(4 * MiB, 4096);
    const spans = scanner.scan(text);
    expect(spans.length).toBe(emails);
    const last = spans[spans.length - 1]!;
    expect(text.slice(last.start, last.end)).toBe("a.b@example.com");
  });

  test("8 MiB non-ASCII input keeps UTF-16 offsets right", () => {
    const unit = "данные ✓ 😀 x@y.org ";
    const text = unit.repeat(Math.floor((8 * MiB) / 36));
    const spans = scanner.scan(text);
    expect(spans.length).toBe(Math.floor((8 * MiB) / 36));
    const last = spans[spans.length - 1]!;
    expect(text.slice(last.start, last.end)).toBe("x@y.org");
  });

  test("input over the limit is body_too_large", () => {
    const text = "a".repeat(scanner.maxInputBytes + 1);
    let error: unknown;
    try {
      scanner.scan(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NexusError);
    expect((error as NexusError).code).toBe("body_too_large");
    expect((error as NexusError).status).toBe(413);
  });

  test("multi-byte text over the limit in UTF-8 is rejected", () => {
    // Under the limit in UTF-16 code units, over it in UTF-8 bytes.
    const text = "é".repeat(scanner.maxInputBytes / 2 + 1);
    expect(() => scanner.scan(text)).toThrow(/too large to scan/);
  });

  test("small scans after a large one reuse memory correctly", () => {
    const { text } = filler(2 * MiB, 1024);
    expect(scanner.scan(text).length).toBeGreaterThan(1000);
    expect(scanner.scan("ip 10.1.2.3")).toEqual([{ kind: "ipv4", start: 3, end: 11 }]);
    scanner.dispose();
    expect(scanner.scan("ip 10.1.2.3")).toEqual([{ kind: "ipv4", start: 3, end: 11 }]);
  });

  test("growing inputs on a fresh scanner", () => {
    const fresh = createPiiScanner();
    for (const size of [10, 1000, 100_000, 3 * MiB]) {
      const text = "z".repeat(size) + " 4111 1111 1111 1111";
      const [span] = fresh.scan(text);
      expect(span).toEqual({ kind: "credit_card", start: size + 1, end: size + 20 });
    }
  });
});
