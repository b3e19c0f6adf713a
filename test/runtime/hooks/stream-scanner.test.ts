import { describe, expect, test } from "bun:test";
import { runPipeline } from "../../../runtime/hooks/pipeline.ts";
import { keywordStage } from "../../../runtime/hooks/stages/keyword-filter.ts";
import {
  STREAM_WINDOW,
  StreamBlocked,
  StreamScanner,
  type ScanText,
} from "../../../runtime/hooks/stream-scanner.ts";
import { subjectOf } from "./subject.ts";

function scannerFor(action: "redact" | "block"): StreamScanner {
  const filter = keywordStage({ words: ["zebra crossing"], action });
  const stage = { stage: filter, failMode: "closed" as const };
  const scan: ScanText = async (text) => {
    const subject = subjectOf({ text }, { phase: "response" });
    const result = await runPipeline([stage], subject);
    return { result, text: subject.texts[0]?.text ?? text };
  };
  return new StreamScanner(scan);
}

/** Streams `text` through the scanner in pieces of `size` characters. */
async function stream(scanner: StreamScanner, text: string, size: number): Promise<string> {
  let out = "";
  for (let at = 0; at < text.length; at += size) {
    out += await scanner.push("0:content", text.slice(at, at + size));
  }
  return out + (await scanner.flush("0:content"));
}

const FILLER = "lorem ipsum ".repeat(60);
const TEXT = `${FILLER}Mind the ZEBRA crossing here. ${FILLER}` +
  "and a zebra \u200Bcrossing at the end";

describe("stream scanning", () => {
  for (const size of [1, 7, 64, 1000]) {
    test(`matches split across pieces of ${size} are redacted`, async () => {
      const out = await stream(scannerFor("redact"), TEXT, size);
      expect(out).not.toMatch(/zebra/i);
      expect(out.match(/\[REDACTED\]/g)?.length).toBe(2);
      expect(out.startsWith(FILLER)).toBe(true);
    });
  }

  test("clean text passes unchanged", async () => {
    const out = await stream(scannerFor("redact"), FILLER + FILLER, 5);
    expect(out).toBe(FILLER + FILLER);
  });

  test("nothing past the window is released before the end", async () => {
    const scanner = scannerFor("redact");
    const released = await scanner.push("0:content", "x".repeat(3 * STREAM_WINDOW));
    expect(released.length).toBe(2 * STREAM_WINDOW);
  });

  test("a block stops the stream before the match is released", async () => {
    const scanner = scannerFor("block");
    let sent = "";
    const failure = await (async () => {
      for (let at = 0; at < TEXT.length; at += 3) {
        sent += await scanner.push("0:content", TEXT.slice(at, at + 3));
      }
      return null;
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StreamBlocked);
    expect(sent).not.toMatch(/zebra/i);
    expect(scanner.summary.verdict).toBe("block");
  });

  test("the summary merges runs per stage", async () => {
    const scanner = scannerFor("redact");
    await stream(scanner, TEXT, 10);
    expect(scanner.summary.records).toHaveLength(1);
    expect(scanner.summary.records[0]?.verdict).toBe("redact");
    expect(scanner.summary.findings).toHaveLength(2);
  });
});
