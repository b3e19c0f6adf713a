/**
 * Helpers for the Anthropic codec tests: where the recorded fixtures live, how to read them,
 * and how to feed bytes to the decoder in reads of a chosen size.
 */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ChatChunk, ChatRequest } from "../../../runtime/canonical/chat.ts";
import type { DecodeContext } from "../../../runtime/providers/codec.ts";
import { byteStream, collectWithError } from "../../support/byte-stream.ts";

const repoRoot = resolve(import.meta.dir, "../../..");

/** Recorded fixtures sit next to the repository, in ../shared/fixtures. */
export const fixturesRoot = resolve(repoRoot, "../shared/fixtures");
export const simonwDir = join(fixturesRoot, "recorded/simonw-llm/anthropic");
export const vercelDir = join(fixturesRoot, "recorded/vercel-ai/anthropic");

export const fixturesPresent = existsSync(simonwDir) && existsSync(vercelDir);

/** In CI a missing fixture folder is a failure; on a laptop the replay tests are skipped. */
export const fixturesMustExist = process.env.CI === "true";

export function listFiles(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(suffix))
    .sort();
}

export function readText(path: string): string {
  return readFileSync(path, "utf8");
}

/** Re-frames a `.chunks.txt` file (one JSON event a line) as the SSE body Anthropic sends. */
export function frameChunks(text: string): string {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`)
    .join("");
}


export const encoder = new TextEncoder();
export const streamOf = byteStream;
/** Runs a stream decode to the end, keeping the chunks and the error thrown, if any. */
export const collect = collectWithError<ChatChunk>;


export function contextFor(request: Partial<ChatRequest> = {}): DecodeContext {
  return {
    clientModel: "client-model",
    request: { model: "client-model", messages: [{ role: "user", content: "hi" }], ...request },
  };
}

/** Joins what the chunks carry, the way an OpenAI SDK client accumulates a stream. */
export function assemble(chunks: ChatChunk[]) {
  let content = "";
  let reasoning = "";
  const signatures: string[] = [];
  const redacted: string[] = [];
  const calls: { id?: string; name?: string; arguments: string }[] = [];
  const finishReasons: string[] = [];

  for (const chunk of chunks) {
    for (const choice of chunk.choices) {
      const delta = choice.delta;
      if (typeof delta.content === "string") content += delta.content;
      if (typeof delta.reasoning_content === "string") reasoning += delta.reasoning_content;
      for (const detail of delta.reasoning_details ?? []) {
        if (detail.signature !== undefined) signatures.push(detail.signature);
        if (detail.data !== undefined) redacted.push(detail.data);
      }
      for (const call of delta.tool_calls ?? []) {
        const slot = (calls[call.index] ??= { arguments: "" });
        if (call.id !== undefined) slot.id = call.id;
        if (call.function?.name !== undefined) slot.name = call.function.name;
        slot.arguments += call.function?.arguments ?? "";
      }
      if (choice.finish_reason !== null) finishReasons.push(choice.finish_reason);
    }
  }
  return { content, reasoning, signatures, redacted, calls, finishReasons };
}
