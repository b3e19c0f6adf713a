import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createPiiScanner } from "../../../runtime/pii/scanner.ts";

/** The detection table the Rust tests also run (`wasm/pii/tests/cases.rs`). */
const CASES_PATH = join(import.meta.dir, "..", "..", "..", "wasm", "pii", "tests", "cases.tsv");

interface Case {
  kind: string;
  input: string;
  expected: string;
}

function loadCases(): Case[] {
  const escapes: Record<string, string> = { n: "\n", t: "\t" };
  const unescape = (text: string) => text.replace(/\\(.)/g, (_, c: string) => escapes[c] ?? c);
  return readFileSync(CASES_PATH, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .map((line) => {
      const [kind, input, expected] = line.split("\t");
      return { kind: kind!, input: unescape(input!), expected: unescape(expected ?? "") };
    });
}

const scanner = createPiiScanner();
const cases = loadCases();

describe("pii detection table", () => {
  test("table has positives and negatives for every kind", () => {
    const kinds = new Set(cases.map((c) => c.kind));
    expect(kinds.size).toBe(13);
    expect(cases.filter((c) => c.kind === "none").length).toBeGreaterThan(20);
  });

  for (const { kind, input, expected } of cases) {
    test(`${kind}: ${JSON.stringify(input).slice(0, 60)}`, () => {
      const found = scanner.scan(input).map((s) => [s.kind, input.slice(s.start, s.end)]);
      if (kind === "none") expect(found).toEqual([]);
      else expect(found).toEqual([[kind, expected]]);
    });
  }
});
