/** Raw HTTP helpers for the simulator's own tests: requests with auth, and body readers. */

export const ANTHROPIC_AUTH = { "x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01" };
export const OPENAI_AUTH = { authorization: "Bearer sk-test" };

export function anthropicRequest(
  body: unknown,
  init: BunFetchRequestInit = {},
): BunFetchRequestInit {
  return { method: "POST", headers: ANTHROPIC_AUTH, body: JSON.stringify(body), ...init };
}

export function openaiRequest(
  body: unknown,
  init: BunFetchRequestInit = {},
): BunFetchRequestInit {
  return { method: "POST", headers: OPENAI_AUTH, body: JSON.stringify(body), ...init };
}

export const STREAMED_MESSAGE = {
  model: "claude-sonnet-4-5",
  max_tokens: 256,
  stream: true as const,
  messages: [{ role: "user" as const, content: "Grüße ✓ 東京 🎉" }],
};

export const STREAMED_COMPLETION = {
  model: "gpt-4o-mini",
  stream: true as const,
  messages: [{ role: "user" as const, content: "Grüße ✓ 東京 🎉" }],
};

export interface ReadResult {
  bytes: Uint8Array;
  /** Size of each read, in order. */
  reads: number[];
  /** The `code` of the error that ended the body, if it did not end cleanly. */
  errorCode?: string;
}

/** Reads a body to its end or its error, keeping every byte that arrived before. */
export async function readBody(response: Response): Promise<ReadResult> {
  const reader = response.body!.getReader();
  const chunks: Uint8Array[] = [];
  const reads: number[] = [];
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      reads.push(value.length);
    }
  } catch (error) {
    const code = (error as { code?: string }).code ?? String(error);
    return { bytes: Buffer.concat(chunks), reads, errorCode: code };
  }
  return { bytes: Buffer.concat(chunks), reads };
}

export function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** Names of the events in an SSE text, `data` for events without an `event:` line. */
export function eventNames(text: string): string[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== "")
    .map((block) => /^event: ?(.*)$/m.exec(block)?.[1]?.trim() ?? "data");
}

/** Polls `condition` every 10 ms until it is true or `timeoutMs` passes. */
export async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await Bun.sleep(10);
  }
  return condition();
}

/**
 * Sends one HTTP/1.1 request over a raw socket and returns the sizes of the chunked-encoding
 * frames of the response body. Each frame is one server write, whatever the reader merges.
 */
export async function chunkFrameSizes(
  port: number,
  path: string,
  init: RequestInit,
): Promise<number[]> {
  const body = String(init.body ?? "");
  const headers = Object.entries(init.headers as Record<string, string>);
  const headerLines = headers.map(([name, value]) => `${name}: ${value}\r\n`);
  const head =
    `${init.method ?? "GET"} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n` +
    `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    `${headerLines.join("")}\r\n`;

  const received: Uint8Array[] = [];
  const closed = Promise.withResolvers<void>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_socket, data) => void received.push(new Uint8Array(data)),
      close: () => closed.resolve(),
      error: (_socket, error) => closed.reject(error),
    },
  });
  socket.write(head + body);
  await closed.promise;

  return parseChunkSizes(Buffer.concat(received));
}

function parseChunkSizes(response: Buffer): number[] {
  let offset = response.indexOf("\r\n\r\n") + 4;
  const sizes: number[] = [];
  while (offset < response.length) {
    const lineEnd = response.indexOf("\r\n", offset);
    const size = Number.parseInt(response.subarray(offset, lineEnd).toString("latin1"), 16);
    if (size === 0) break;
    sizes.push(size);
    offset = lineEnd + 2 + size + 2;
  }
  return sizes;
}
