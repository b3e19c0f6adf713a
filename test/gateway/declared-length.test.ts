import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { type Harness, startHarness } from "../support/harness.ts";

let harness: Harness;
let key: string;

beforeAll(async () => {
  harness = await startHarness();
  key = await harness.createKey();
});

afterAll(async () => {
  await harness.close();
});

/**
 * Sends a request head that declares `length` body bytes, then only a few, and returns the
 * raw response text. A raw socket is used because fetch sets content-length itself.
 */
function declare(length: number): Promise<string> {
  const { port } = new URL(harness.gateway.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1");
    let text = "";
    socket.on("connect", () => {
      socket.write("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
        `Authorization: Bearer ${key}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${length}\r\n\r\n{"model":`);
    });
    socket.on("data", (chunk) => {
      text += chunk.toString("utf8");
      // The gateway answers from the declared length alone; the body is never sent whole.
      if (text.includes("\r\n\r\n") && text.includes("}")) socket.destroy();
    });
    socket.on("close", () => resolve(text));
    socket.on("error", reject);
  });
}

test("length over Bun's own limit gets the API's 413", async () => {
  const text = await declare(128 * 1024 * 1024 + 1);
  expect(text.startsWith("HTTP/1.1 413")).toBe(true);

  const requestId = /x-request-id: (\S+)/i.exec(text)?.[1];
  expect(requestId).toBeDefined();
  const body = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) as {
    error: { code: string; type: string };
  };
  expect(body.error.code).toBe("body_too_large");

  const event = await harness.event(requestId!);
  expect(event?.status).toBe(413);
  expect(event?.errorCode).toBe("body_too_large");
});

/**
 * Sends a request head declaring `length` bytes and then `body`, and keeps the socket open.
 * Resolves with the response text once a whole response arrived, or with null if none arrived
 * within `waitMs`; only then is the socket closed.
 */
function declareAndHold(target: Harness, secret: string, length: number, body: string,
  extraHeaders = "", waitMs = 3000): Promise<string | null> {
  const { port } = new URL(target.gateway.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1");
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, waitMs);
    socket.on("connect", () => {
      socket.write("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
        `Authorization: Bearer ${secret}\r\nContent-Type: application/json\r\n` +
        `${extraHeaders}Content-Length: ${length}\r\n\r\n${body}`);
    });
    socket.on("data", (chunk) => {
      text += chunk.toString("utf8");
      // Skips an interim `100 Continue` and waits for the final response's JSON body.
      const final = text.replace(/^HTTP\/1\.1 100[^\r]*\r\n\r\n/, "");
      const bodyStart = final.indexOf("\r\n\r\n");
      if (bodyStart < 0) return;
      const declared = Number(/content-length: (\d+)/i.exec(final)?.[1] ?? "NaN");
      if (final.length - bodyStart - 4 < declared) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(final);
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

describe("raw capture on", () => {
  let captured: Harness;
  let capturedKey: string;

  beforeAll(async () => {
    captured = await startHarness({
      extra: () => ({ capture: { enabled: true, redacted: false } }),
    });
    capturedKey = await captured.createKey();
  });

  afterAll(async () => {
    await captured.close();
  });

  const cases = [
    ["declared length only", ""],
    ["expect: 100-continue", "Expect: 100-continue\r\n"],
  ] as const;
  for (const [name, headers] of cases) {
    test(`over-limit length gets 413 while open: ${name}`, async () => {
      const text = await declareAndHold(captured, capturedKey, 20_000_000, "{}", headers);
      // null: no response arrived while the socket stayed open.
      expect(text).not.toBeNull();
      expect(text!.startsWith("HTTP/1.1 413")).toBe(true);

      const requestId = /x-request-id: (\S+)/i.exec(text!)?.[1];
      expect(requestId).toBeDefined();
      const event = await captured.event(requestId!);
      expect(event?.errorCode).toBe("body_too_large");
    });
  }
});
