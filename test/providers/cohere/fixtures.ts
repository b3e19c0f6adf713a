/**
 * Helpers for the Cohere codec tests: where the recorded fixtures live, how to re-frame them as
 * SSE, and how to feed bytes to the decoder in reads of a chosen size.
 */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ChatChunk, ChatRequest } from "../../../runtime/canonical/chat.ts";
import type { DecodeContext, Target } from "../../../runtime/providers/codec.ts";
import { byteStream, collectWithError } from "../../support/byte-stream.ts";

const repoRoot = resolve(import.meta.dir, "../../..");

/** Recorded fixtures sit next to the repository, in ../shared/fixtures. */
export const vercelDir = resolve(repoRoot, "../shared/fixtures/recorded/vercel-ai/cohere");
export const fixturesPresent = existsSync(vercelDir);

/** In CI a missing fixture folder is a failure; on a laptop the replay tests are skipped. */
export const fixturesMustExist = process.env.CI === "true";

export function listFixtures(suffix: string): string[] {
  if (!fixturesPresent) return [];
  return readdirSync(vercelDir)
    .filter((name) => name.endsWith(suffix))
    .sort();
}

export function readFixture(name: string): string {
  return readFileSync(join(vercelDir, name), "utf8");
}

/** Parses a `.chunks.txt` file: one JSON event payload a line. */
export function eventsOf(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Frames events the way Cohere sends them: `event: <type>`, `data: <json>`, a blank line. */
export function frameEvents(events: Record<string, unknown>[]): string {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join("");
}

/** Creates a stream that returns `text` in reads of at most `size` bytes (all at once for 0). */
export function streamOf(text: string, size = 0): ReadableStream<Uint8Array> {
  return byteStream(new TextEncoder().encode(text), size);
}


/** Runs a stream decode to the end, keeping the chunks and the error thrown, if any. */
export const collect = collectWithError<ChatChunk>;

export function contextFor(request: Partial<ChatRequest> = {}): DecodeContext {
  return {
    clientModel: "client-model",
    request: { model: "client-model", messages: [{ role: "user", content: "hi" }], ...request },
  };
}

export const target: Target = {
  provider: "cohere-main",
  baseUrl: "https://api.cohere.com/",
  apiKey: "co-test-key",
  headers: {},
  upstreamModel: "command-a-03-2025",
};

/** Joins what the chunks carry, the way an OpenAI SDK client accumulates a stream. */
export function assemble(chunks: ChatChunk[]) {
  let content = "";
  let reasoning = "";
  const calls: { id?: string; name?: string; arguments: string }[] = [];
  const finishReasons: string[] = [];

  for (const chunk of chunks) {
    for (const choice of chunk.choices) {
      const delta = choice.delta;
      if (typeof delta.content === "string") content += delta.content;
      if (typeof delta.reasoning_content === "string") reasoning += delta.reasoning_content;
      for (const call of delta.tool_calls ?? []) {
        const slot = (calls[call.index] ??= { arguments: "" });
        if (call.id !== undefined) slot.id = call.id;
        if (call.function?.name !== undefined) slot.name = call.function.name;
        slot.arguments += call.function?.arguments ?? "";
      }
      if (choice.finish_reason !== null) finishReasons.push(choice.finish_reason);
    }
  }
  return { content, reasoning, calls, finishReasons };
}
