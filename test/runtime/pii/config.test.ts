import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../../runtime/config/load.ts";
import { createPiiScanner } from "../../../runtime/pii/scanner.ts";

function matches(text: string, scan: (text: string) => { kind: string; start: number; end: number }[]) {
  return scan(text).map((s) => [s.kind, text.slice(s.start, s.end)]);
}

describe("pii custom patterns", () => {
  const scanner = createPiiScanner({
    patterns: [
      { name: "employee_id", pattern: "\\bEMP-[0-9]{6}\\b" },
      { name: "ticket", pattern: "(?i)\\bticket#\\d+" },
    ],
  });
  const scan = (text: string) => scanner.scan(text);

  test("custom patterns report their names", () => {
    const text = "EMP-123456 filed TICKET#42 from jane@example.com";
    expect(matches(text, scan)).toEqual([
      ["employee_id", "EMP-123456"],
      ["ticket", "TICKET#42"],
      ["email", "jane@example.com"],
    ]);
  });

  test("custom pattern boundaries hold", () => {
    expect(matches("XEMP-123456 and EMP-1234567", scan)).toEqual([]);
  });

  test("invalid pattern is a ConfigError naming it", () => {
    const create = () => createPiiScanner({ patterns: [{ name: "broken", pattern: "a(b" }] });
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(/invalid pattern "broken"/);
  });

  test("look-around is rejected", () => {
    const create = () => createPiiScanner({ patterns: [{ name: "ahead", pattern: "a(?=b)" }] });
    expect(create).toThrow(ConfigError);
  });

  test("duplicate kind name is a ConfigError", () => {
    const create = () => createPiiScanner({ patterns: [{ name: "email", pattern: "x" }] });
    expect(create).toThrow(/used twice/);
  });

  test("empty matches are skipped", () => {
    const empty = createPiiScanner({ kinds: [], patterns: [{ name: "maybe", pattern: "x*" }] });
    expect(matches("abc xx d", (t) => empty.scan(t))).toEqual([["maybe", "xx"]]);
  });

  test("long runs around a custom match", () => {
    // Searches run in 512-byte windows; a match across a window edge must be neither dropped
    // nor cut short.
    const only = createPiiScanner({ kinds: [], patterns: [{ name: "id", pattern: "ID-\\d{4,}" }] });
    for (const offset of [250, 255, 256, 500, 505, 510, 512, 1020, 4095]) {
      const text = "a".repeat(offset) + " ID-123456789 " + "b".repeat(5000);
      expect(matches(text, (t) => only.scan(t))).toEqual([["id", "ID-123456789"]]);
    }
  });
});

describe("pii dictionaries", () => {
  const scanner = createPiiScanner({
    kinds: [],
    dictionaries: [
      { name: "project", words: ["Project Falcon", "Falcon"], ignoreCase: true },
      { name: "client", words: ["Acme Corp"] },
    ],
  });
  const scan = (text: string) => scanner.scan(text);

  test("longest word wins and case folds when asked", () => {
    const text = "project falcon ships; FALCON too; Acme Corp signed, acme corp did not";
    expect(matches(text, scan)).toEqual([
      ["project", "project falcon"],
      ["project", "FALCON"],
      ["client", "Acme Corp"],
    ]);
  });

  test("words match only on word boundaries", () => {
    expect(matches("Falconry and SuperFalcon", scan)).toEqual([]);
  });
});

describe("pii kind selection", () => {
  test("disabled kinds are not reported", () => {
    const scanner = createPiiScanner({ kinds: ["email"] });
    const text = "jane@example.com 4111 1111 1111 1111 10.0.0.1";
    expect(matches(text, (t) => scanner.scan(t))).toEqual([["email", "jane@example.com"]]);
  });
});
