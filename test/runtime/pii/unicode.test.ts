import { describe, expect, test } from "bun:test";
import { createPiiScanner } from "../../../runtime/pii/scanner.ts";

const scanner = createPiiScanner({
  dictionaries: [{ name: "codename", words: ["Zürich Blue", "青い鳥"] }],
});

/** Returns each span as [kind, matched text], which is right only if the offsets are. */
function matches(text: string): [string, string][] {
  return scanner.scan(text).map((s) => [s.kind, text.slice(s.start, s.end)]);
}

describe("pii offsets around non-ASCII text", () => {
  test("emoji before and between matches", () => {
    const text = "😀😀 mail bob@example.org 🎉 then 4111 1111 1111 1111 👍";
    expect(matches(text)).toEqual([
      ["email", "bob@example.org"],
      ["credit_card", "4111 1111 1111 1111"],
    ]);
    const [email] = scanner.scan(text);
    expect(email!.start).toBe(text.indexOf("bob@"));
  });

  test("CJK text with no spaces around matches", () => {
    const text = "山田さんの電話は+81 3-1234-5678で、メールはyamada@example.jpです";
    expect(matches(text)).toEqual([
      ["phone", "+81 3-1234-5678"],
      ["email", "yamada@example.jp"],
    ]);
  });

  test("combining marks next to a match", () => {
    const text = "Cafe\u0301 IP 10.20.30.40 nai\u0308ve, SSN 123-45-6789 e\u0301";
    expect(matches(text)).toEqual([
      ["ipv4", "10.20.30.40"],
      ["us_ssn", "123-45-6789"],
    ]);
  });

  test("non-ASCII dictionary words", () => {
    const text = "Codename 🐦 青い鳥 and zürich blue and Zürich Blue.";
    expect(matches(text)).toEqual([
      ["codename", "青い鳥"],
      ["codename", "Zürich Blue"],
    ]);
  });

  test("lone surrogate before a match", () => {
    // TextEncoder writes U+FFFD (three bytes) for a lone surrogate, which is one UTF-16 unit.
    const text = "x\uD800 key AKIAIOSFODNN7EXAMPLE";
    expect(matches(text)).toEqual([["aws_access_key", "AKIAIOSFODNN7EXAMPLE"]]);
  });

  test("ASCII and non-ASCII scans alternate on one scanner", () => {
    const ascii = "ip 192.168.0.1";
    const wide = "ü ip 192.168.0.1";
    expect(scanner.scan(ascii)).toEqual([{ kind: "ipv4", start: 3, end: 14 }]);
    expect(scanner.scan(wide)).toEqual([{ kind: "ipv4", start: 5, end: 16 }]);
    expect(scanner.scan(ascii)).toEqual([{ kind: "ipv4", start: 3, end: 14 }]);
  });
});
