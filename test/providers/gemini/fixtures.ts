/**
 * Helpers for the Gemini codec tests: where the recorded fixtures live, how to frame them as
 * Gemini's SSE wire, and how to feed bytes to the decoder in reads of a chosen size.
 */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ChatChunk, ChatRequest } from "../../../runtime/canonical/chat.ts";
import type { DecodeContext, Target } from "../../../runtime/providers/codec.ts";
import { byteStream, collectWithError } from "../../support/byte-stream.ts";

const repoRoot = resolve(import.meta.dir, "../../..");

/** Recorded fixtures sit next to the repository, in ../shared/fixtures. */
export const fixturesRoot = resolve(repoRoot, "../shared/fixtures");
export const vercelDir = join(fixturesRoot, "recorded/vercel-ai/google");
export const fixturesPresent = existsSync(vercelDir);

/** In CI a missing fixture folder is a failure; on a laptop the replay tests are skipped. */
export const fixturesMustExist = process.env.CI === "true";

export function listFiles(suffix: string): string[] {
  if (!existsSync(vercelDir)) return [];
  return readdirSync(vercelDir)
    .filter((name) => name.endsWith(suffix))
    .sort();
}

export function readFixture(name: string): string {
  return readFileSync(join(vercelDir, name), "utf8");
}

/** Splits a `.chunks.txt` file into its JSON events, one a line. */
export function chunkLines(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "");
}

/** Frames events the way Gemini sends `alt=sse`: `data: <json>`, CRLF, blank line. */
export function frameSse(lines: string[]): string {
  return lines.map((line) => `data: ${line}\r\n\r\n`).join("");
}


export const encoder = new TextEncoder();
export const streamOf = byteStream;
/** Collects chunks until the iterator throws, and returns both. */
export const collectUntilError = collectWithError<ChatChunk>;

export function contextFor(request: Partial<ChatRequest> = {}): DecodeContext {
  return {
    clientModel: "client-model",
    request: { model: "client-model", messages: [{ role: "user", content: "hi" }], ...request },
  };
}

export function targetFor(upstreamModel = "gemini-2.5-flash"): Target {
  return {
    provider: "gemini-main",
    baseUrl: "http://127.0.0.1:9/",
    apiKey: "test-key",
    headers: {},
    upstreamModel,
  };
}

export async function collect(stream: AsyncIterable<ChatChunk>): Promise<ChatChunk[]> {
  const chunks: ChatChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}


export interface AssembledCall {
  id: string;
  name: string;
  arguments: string;
  signature?: string;
}

/** Fields a client has after reading every chunk of one choice. */
export interface Assembled {
  text: string;
  reasoning: string;
  signatures: string[];
  toolCalls: AssembledCall[];
  finish: string | null;
  roleFirst: boolean;
}

export function assemble(chunks: ChatChunk[], choiceIndex = 0): Assembled {
  const result: Assembled = {
    text: "",
    reasoning: "",
    signatures: [],
    toolCalls: [],
    finish: null,
    roleFirst: false,
  };
  const choices = chunks.flatMap((chunk) => chunk.choices).filter((c) => c.index === choiceIndex);
  result.roleFirst = choices[0]?.delta.role === "assistant";

  for (const choice of choices) {
    const delta = choice.delta;
    if (typeof delta.content === "string") result.text += delta.content;
    if (typeof delta.reasoning_content === "string") result.reasoning += delta.reasoning_content;
    for (const detail of delta.reasoning_details ?? []) {
      if (detail.signature !== undefined) result.signatures.push(detail.signature);
    }
    for (const call of delta.tool_calls ?? []) {
      const extra = (call as { extra_content?: { google?: { thought_signature?: string } } })
        .extra_content;
      const slot = (result.toolCalls[call.index] ??= { id: "", name: "", arguments: "" });
      slot.id += call.id ?? "";
      slot.name += call.function?.name ?? "";
      slot.arguments += call.function?.arguments ?? "";
      if (extra?.google?.thought_signature !== undefined) {
        slot.signature = extra.google.thought_signature;
      }
    }
    if (choice.finish_reason !== null) result.finish = choice.finish_reason;
  }
  return result;
}
