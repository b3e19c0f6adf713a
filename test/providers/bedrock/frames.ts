/**
 * Builds AWS event stream messages byte by byte for the Bedrock decoder tests, with node:zlib's
 * CRC32, so the tests do not depend on the library the decoder uses. Layout: total length
 * (uint32 BE), headers length (uint32 BE), prelude CRC32, headers, payload, message CRC32.
 * A header is: name length (uint8), name, type 7 (string), value length (uint16 BE), value.
 */

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import type { DecodeContext, Target } from "../../../runtime/providers/codec.ts";
import { FIXTURES_DIR } from "../../support/fixtures.ts";

const encoder = new TextEncoder();
const STRING_HEADER = 7;

export function message(headers: Record<string, string>, payload: Uint8Array): Uint8Array {
  const headerBytes: number[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = encoder.encode(name);
    const valueBytes = encoder.encode(value);
    headerBytes.push(nameBytes.length, ...nameBytes, STRING_HEADER);
    headerBytes.push(valueBytes.length >> 8, valueBytes.length & 0xff, ...valueBytes);
  }

  const total = 12 + headerBytes.length + payload.length + 4;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, total);
  view.setUint32(4, headerBytes.length);
  view.setUint32(8, crc32(bytes.subarray(0, 8)));
  bytes.set(headerBytes, 12);
  bytes.set(payload, 12 + headerBytes.length);
  view.setUint32(total - 4, crc32(bytes.subarray(0, total - 4)));
  return bytes;
}

export function eventMessage(eventType: string, payload: unknown): Uint8Array {
  const headers = {
    ":event-type": eventType,
    ":content-type": "application/json",
    ":message-type": "event",
  };
  return message(headers, encoder.encode(JSON.stringify(payload)));
}

export function exceptionMessage(exceptionType: string, text: string): Uint8Array {
  const headers = {
    ":exception-type": exceptionType,
    ":content-type": "application/json",
    ":message-type": "exception",
  };
  return message(headers, encoder.encode(JSON.stringify({ message: text })));
}

/** Frames a recorded `.chunks.txt`, whose lines are `{"<eventType>": payload}`. */
export function messagesFromChunks(text: string): Uint8Array[] {
  return text.split("\n").filter((line) => line.trim() !== "").map((line) => {
    const [eventType, payload] = Object.entries(JSON.parse(line) as object)[0]!;
    return eventMessage(eventType, payload);
  });
}

export function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

export const BEDROCK_FIXTURES = join(FIXTURES_DIR, "recorded", "vercel-ai", "amazon-bedrock");
export const bedrockFixturesPresent = existsSync(BEDROCK_FIXTURES);

export function readBedrockFixture(name: string): string {
  return readFileSync(join(BEDROCK_FIXTURES, name), "utf8");
}

export function contextFor(request: Partial<ChatRequest> = {}): DecodeContext {
  return {
    clientModel: "client-model",
    request: { model: "client-model", messages: [{ role: "user", content: "hi" }], ...request },
  };
}

export const MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0";

export function targetFor(overrides: Partial<Target> = {}): Target {
  return {
    provider: "bedrock-main",
    baseUrl: "https://bedrock-runtime.us-east-1.amazonaws.com",
    apiKey: null,
    headers: {},
    upstreamModel: MODEL_ID,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    ...overrides,
  };
}
