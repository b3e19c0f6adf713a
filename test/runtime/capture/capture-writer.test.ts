import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CaptureWriter, SPILL_CHUNK_BYTES } from "../../../runtime/audit/capture-writer.ts";
import { SpillStore } from "../../../runtime/audit/spill-store.ts";

let root: string;
let spill: SpillStore;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "nexus-capture-"));
  spill = new SpillStore(join(root, "spill"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function writer(maxInlineBytes: number): CaptureWriter {
  return new CaptureWriter({
    spill,
    requestId: "req_test",
    part: "response",
    contentType: "text/event-stream",
    maxInlineBytes,
  });
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

describe("capture writer", () => {
  test("small body stays inline", () => {
    const body = new TextEncoder().encode('{"hello":"world"}');
    const capture = writer(1024);
    capture.write(body);
    const { body: meta, inline } = capture.finish(true);

    expect(meta.size).toBe(body.byteLength);
    expect(meta.inlineBytes).toBe(body.byteLength);
    expect(meta.spill).toBeNull();
    expect(meta.sha256).toBe(sha256(body));
    expect(meta.complete).toBe(true);
    expect(inline).toEqual(body);
    expect(() => readdirSync(spill.dir)).toThrow();
  });

  test("body over the limit spills the rest", () => {
    const body = new Uint8Array(10_000).map((_, i) => i % 251);
    const capture = writer(4096);
    // Uneven pieces, so the inline boundary falls inside one of them.
    for (let offset = 0; offset < body.length; offset += 999) {
      capture.write(body.subarray(offset, offset + 999));
    }
    const { body: meta, inline } = capture.finish(false);

    expect(meta.size).toBe(10_000);
    expect(meta.inlineBytes).toBe(4096);
    expect(meta.spill).toBe("req_test.response.body");
    expect(meta.complete).toBe(false);
    const rest = readFileSync(spill.pathOf(meta.spill!));
    expect(Buffer.concat([inline, rest])).toEqual(Buffer.from(body));
    expect(meta.sha256).toBe(sha256(body));
  });

  test("zero inline limit spills everything", () => {
    const capture = writer(0);
    capture.write(new TextEncoder().encode("abc"));
    const { body: meta, inline } = capture.finish(true);
    expect(inline.byteLength).toBe(0);
    expect(readFileSync(spill.pathOf(meta.spill!), "utf8")).toBe("abc");
  });

  test("caller may reuse its buffer", () => {
    const buffer = new Uint8Array(8).fill(1);
    const capture = writer(4);
    capture.write(buffer);
    buffer.fill(2);
    capture.write(buffer);
    const { body: meta, inline } = capture.finish(true);
    const rest = readFileSync(spill.pathOf(meta.spill!));
    expect([...inline, ...rest]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
  });

  test("50 MB stream holds a bounded buffer", () => {
    const maxInline = 256 * 1024;
    const capture = writer(maxInline);
    const piece = new Uint8Array(16 * 1024).fill(0x61);
    const hash = createHash("sha256");
    let peak = 0;
    const total = 50 * 1024 * 1024;
    for (let written = 0; written < total; written += piece.byteLength) {
      capture.write(piece);
      hash.update(piece);
      peak = Math.max(peak, capture.bufferedBytes);
    }
    const { body: meta } = capture.finish(true);

    expect(peak).toBeLessThanOrEqual(maxInline + SPILL_CHUNK_BYTES + piece.byteLength);
    expect(meta.size).toBe(total);
    expect(meta.sha256).toBe(hash.digest("hex"));
    expect(Bun.file(spill.pathOf(meta.spill!)).size).toBe(total - maxInline);
  });

  test("discard leaves no file", () => {
    const capture = writer(0);
    capture.write(new Uint8Array(SPILL_CHUNK_BYTES + 1));
    capture.discard();
    expect(readdirSync(spill.dir)).toEqual([]);
  });
});
