import { describe, expect, test } from "bun:test";
import { NexusError } from "../../runtime/errors/nexus-error.ts";
import { MAX_EVENT_CHARS, parseSse, type SseEvent } from "../../runtime/providers/sse.ts";

function streamOf(bytes: Uint8Array, pieceSize: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + pieceSize));
      offset += pieceSize;
    },
  });
}

async function collect(text: string, pieceSize: number): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of parseSse(streamOf(new TextEncoder().encode(text), pieceSize))) {
    events.push(event);
  }
  return events;
}

const cases = [
  { name: "LF framing", text: "event: a\ndata: {\"x\":1}\n\n" },
  { name: "CRLF framing", text: "event: a\r\ndata: {\"x\":1}\r\n\r\n" },
  { name: "CR framing", text: "event: a\rdata: {\"x\":1}\r\r" },
  { name: "no space after colon", text: "event:a\ndata:{\"x\":1}\n\n" },
  { name: "comments and padding", text: ": ping\n\n\nevent: a\n: note\ndata: {\"x\":1}\n\n" },
];

describe("SSE parser", () => {
  for (const c of cases) {
    for (const size of [1, 2, 3, 1000]) {
      test(`${c.name} in ${size}-byte reads`, async () => {
        const events = await collect(c.text, size);
        expect(events).toEqual([{ event: "a", data: '{"x":1}', id: undefined }]);
      });
    }
  }

  test("multi-line data joins with LF", async () => {
    const events = await collect("data: one\ndata: two\n\n", 1);
    expect(events[0]?.data).toBe("one\ntwo");
    expect(events[0]?.event).toBe("message");
  });

  test("UTF-8 split across reads stays whole", async () => {
    const events = await collect("data: 日本語 ✓ ünï\n\n", 1);
    expect(events[0]?.data).toBe("日本語 ✓ ünï");
  });

  test("event cut inside a line is dropped", async () => {
    const events = await collect("data: whole\n\ndata: cut", 4);
    expect(events.map((e) => e.data)).toEqual(["whole"]);
  });

  test("early stop cancels the body", async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode("data: x\n\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const _event of parseSse(body)) break;
    // A body that never ends is read for at most 64 KiB or a second, then cancelled.
    for (let waited = 0; !cancelled && waited < 2000; waited += 20) await Bun.sleep(20);
    expect(cancelled).toBe(true);
  });

  test("early stop drains a body that ends", async () => {
    let cancelled = false;
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        if (pulls > 3) return controller.close();
        controller.enqueue(new TextEncoder().encode("data: x\n\n"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const _event of parseSse(body)) break;
    await Bun.sleep(20);
    // Read to the end, so an HTTP client could reuse the connection.
    expect(pulls).toBe(4);
    expect(cancelled).toBe(false);
  });
});

describe("SSE parser at end of stream", () => {
  test("last event without blank line is kept", async () => {
    const events = await collect("data: one\n\ndata: [DONE]\n", 3);
    expect(events.map((e) => e.data)).toEqual(["one", "[DONE]"]);
  });

  test("last line cut mid-way is dropped", async () => {
    const events = await collect("data: one\n\ndata: {\"partial", 3);
    expect(events.map((e) => e.data)).toEqual(["one"]);
  });
});

describe("event size limit", () => {
  test("a long event in many reads arrives whole", async () => {
    const data = "x".repeat(1_000_000);
    const events = await collect(`data: ${data}\r\n\r\n`, 4096);
    expect(events).toHaveLength(1);
    expect(events[0]?.data.length).toBe(1_000_000);
  });

  test("an event over the limit fails the stream", async () => {
    const line = "x".repeat(MAX_EVENT_CHARS + 10);
    const failure = await collect(`data: ${line}\n\n`, 1 << 20).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NexusError);
    expect((failure as NexusError).code).toBe("upstream_invalid_response");
  });

  test("many data lines over the limit fail too", async () => {
    const lines = `data: ${"y".repeat(1 << 20)}\n`.repeat(9);
    const failure = await collect(lines, 1 << 16).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NexusError);
  });
});
