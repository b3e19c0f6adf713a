import { describe, expect, test } from "bun:test";
import { createPiiScanner, type PiiScanner } from "../../../runtime/pii/scanner.ts";

/**
 * Inputs built to make a scanner slow: long digit runs, floods of '@', and repeated near
 * misses of each detector. Each is scanned at n and 4n bytes; linear time gives a ratio
 * near 4 and quadratic time near 16. Only the ratio is asserted, never a wall-clock time.
 */
const ADVERSARIAL_UNITS: Record<string, string> = {
  "digit run": "7",
  "spaced digits": "1 ",
  "digit pairs": "12 ",
  "dashed digits": "1-",
  "dotted digits": "1.1.1.",
  "at signs": "@",
  "local parts": "a@",
  "unfinished domains": "a@b.",
  "near-miss cards": "4111 1111 1111 1112 ",
  "near-miss IBANs": "GB82 ",
  "IBAN prefixes": "GB82WEST1234",
  "JWT starts": "eyJ",
  "JWT headers": "eyJhbGciOiJub25lIn0.",
  "key prefixes": "sk-aaaaaaaaaaaaaaaaaaaaa-",
  "bearer words": "Bearer aaaaaaaaaaaaaaaaaaaa ",
  "PEM headers": "-----BEGIN PRIVATE KEY-----",
  colons: "1:",
  "double colons": "::",
  "plus signs": "+1 ",
};

const BASE_BYTES = 64 * 1024;
/** Linear time gives about 4 and quadratic time 16; the margin absorbs a busy machine. */
const MAX_RATIO = 10;
/** Each timing repeats the scan until this much time has passed, to rise above timer noise. */
const MIN_SAMPLE_MS = 5;

/** Best of five samples of the time per scan, in milliseconds. */
function bestTime(scanner: PiiScanner, text: string): number {
  scanner.scan(text);
  let best = Infinity;
  for (let sample = 0; sample < 5; sample++) {
    let scans = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < MIN_SAMPLE_MS) {
      scanner.scan(text);
      scans++;
      elapsed = performance.now() - start;
    }
    best = Math.min(best, elapsed / scans);
  }
  return best;
}

function growthRatio(scanner: PiiScanner, unit: string, bytes: number): number {
  const small = unit.repeat(Math.ceil(bytes / unit.length));
  const large = unit.repeat(Math.ceil((4 * bytes) / unit.length));
  return bestTime(scanner, large) / bestTime(scanner, small);
}

describe("pii scan time grows linearly", () => {
  const scanner = createPiiScanner();

  for (const [name, unit] of Object.entries(ADVERSARIAL_UNITS)) {
    test(`built-ins on ${name}`, () => {
      expect(growthRatio(scanner, unit, BASE_BYTES)).toBeLessThan(MAX_RATIO);
    });
  }

  test("custom pattern that rescans on every match", () => {
    // With one search over the whole input, `\w+@|\w` scans to the end of the run before
    // settling on each one-byte match, which is quadratic.
    const custom = createPiiScanner({ kinds: [], patterns: [{ name: "p", pattern: "\\w+@|\\w" }] });
    expect(growthRatio(custom, "x", 16 * 1024)).toBeLessThan(MAX_RATIO);
  });

  test("dictionary on repeated prefixes", () => {
    const words = Array.from({ length: 200 }, (_, i) => `${"ab".repeat(20)}${i}`);
    const dictionary = createPiiScanner({ kinds: [], dictionaries: [{ name: "d", words }] });
    expect(growthRatio(dictionary, "ab", BASE_BYTES)).toBeLessThan(MAX_RATIO);
  });
});
