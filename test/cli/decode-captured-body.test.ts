import { expect, test } from "bun:test";
import { brotliCompressSync } from "node:zlib";
import { decodeForDisplay } from "../../cli/decode-captured-body.ts";
import type { LoadedBody } from "../../runtime/audit/capture-read.ts";

const json = new TextEncoder().encode('{"model":"gpt-test"}');

function loaded(bytes: Uint8Array, contentEncoding?: string): LoadedBody {
  return {
    meta: {
      contentType: "application/json", size: bytes.byteLength, sha256: "", inlineBytes: 0,
      spill: null, complete: true, ...(contentEncoding === undefined ? {} : { contentEncoding }),
    },
    bytes,
    problem: null,
  };
}

test("uncompressed body is shown as stored", async () => {
  const shown = await decodeForDisplay(loaded(json));
  expect(shown.bytes).toBe(json);
  expect(shown.facts).toEqual([]);
});

test("gzip, deflate and br bodies are decoded", async () => {
  const cases: [string, Uint8Array][] = [
    ["gzip", Bun.gzipSync(json)],
    ["deflate", Bun.deflateSync(json)],
    ["br", new Uint8Array(brotliCompressSync(json))],
  ];
  for (const [coding, bytes] of cases) {
    const shown = await decodeForDisplay(loaded(bytes, coding));
    expect(new TextDecoder().decode(shown.bytes!)).toBe('{"model":"gpt-test"}');
    expect(shown.facts).toEqual([coding, "decoded for display"]);
  }
});

test("invalid gzip data is not printed", async () => {
  const shown = await decodeForDisplay(loaded(new Uint8Array([0x1f, 0x8b, 1, 2, 3]), "gzip"));
  expect(shown.bytes).toBeNull();
  expect(shown.facts).toEqual(["gzip", "not shown: not valid gzip data"]);
});

test("decoded size over the bound is not printed", async () => {
  const shown = await decodeForDisplay(loaded(Bun.gzipSync(json), "gzip"), 4);
  expect(shown.bytes).toBeNull();
  expect(shown.facts).toEqual(["gzip", "not shown: decoded size exceeds 4 bytes"]);
});

test("unknown coding is not printed", async () => {
  const shown = await decodeForDisplay(loaded(json, "constructor"));
  expect(shown.bytes).toBeNull();
  expect(shown.facts).toEqual(["constructor", "not shown: unknown content coding"]);
});
