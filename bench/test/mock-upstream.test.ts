import { afterAll, describe, expect, test } from "bun:test";
import { startMockUpstream } from "../servers/mock-upstream.ts";

const plain = startMockUpstream({ port: 0, firstByteMs: 0, chunkGapMs: 0, chunks: 5 });
const delayed = startMockUpstream({ port: 0, firstByteMs: 60, chunkGapMs: 5, chunks: 3 });
afterAll(() => {
  plain.stop(true);
  delayed.stop(true);
});

function chat(server: { port?: number }, body: unknown): Promise<Response> {
  const init = { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) };
  return fetch(`http://127.0.0.1:${server.port}/v1/chat/completions`, init);
}

function dataLines(text: string): string[] {
  return text.split("\n").filter((line) => line.startsWith("data: "));
}

describe("mock upstream", () => {
  test("json answer is a chat.completion", async () => {
    const response = await chat(plain, { model: "m", messages: [] });
    const body = (await response.json()) as { object: string; choices: unknown[] };
    expect(response.status).toBe(200);
    expect(body.object).toBe("chat.completion");
    expect(body.choices).toHaveLength(1);
  });

  test("stream sends chunks, usage, DONE", async () => {
    const response = await chat(plain, { model: "m", messages: [], stream: true });
    const lines = dataLines(await response.text());
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(lines).toHaveLength(5 + 2);
    expect(lines.at(-1)).toBe("data: [DONE]");
    expect(JSON.parse(lines.at(-2)!.slice(6)).usage.completion_tokens).toBe(5);
  });

  test("first byte and chunk gaps are delayed", async () => {
    const start = performance.now();
    const response = await chat(delayed, { model: "m", messages: [], stream: true });
    const headersAt = performance.now() - start;
    await response.text();
    const doneAt = performance.now() - start;
    expect(headersAt).toBeGreaterThanOrEqual(55);
    // 3 content chunks + usage + DONE: four 5 ms gaps after the first event.
    expect(doneAt - headersAt).toBeGreaterThanOrEqual(15);
  });

  const errorCases = [
    { name: "unknown path", path: "/v1/other", body: "{}", status: 404 },
    { name: "invalid json", path: "/v1/chat/completions", body: "{", status: 400 },
  ];
  for (const { name, path, body, status } of errorCases) {
    test(`rejects ${name}`, async () => {
      const url = `http://127.0.0.1:${plain.port}${path}`;
      const response = await fetch(url, { method: "POST", body });
      const answer = (await response.json()) as { error: { message: string } };
      expect(response.status).toBe(status);
      expect(answer.error.message).toBeString();
    });
  }
});
