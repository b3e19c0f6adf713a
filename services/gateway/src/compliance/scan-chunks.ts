import type { ChatChunk, ChunkDelta } from "../../../../runtime/canonical/chat.ts";
import type { Principal } from "../../../../runtime/hooks/stage.ts";
import { type ScanText, StreamBlocked, StreamScanner } from
  "../../../../runtime/hooks/stream-scanner.ts";
import type { GatewayContext } from "../context.ts";
import type { RequestRecord } from "../request-record.ts";
import { blockError } from "./block-error.ts";
import { issuedVault } from "./vaults.ts";

/**
 * Returns the chunks of a streamed response as the response pipeline lets them through. Text,
 * reasoning, refusals and tool-call arguments are held back by a window and redacted where a
 * stage returns redact, and a block ends the stream with the stage's error. Log probabilities
 * are removed, since they repeat the text unredacted. Without response stages the chunks pass
 * untouched.
 */
export function scanChatStream(
  context: GatewayContext,
  record: RequestRecord,
  principal: Principal | null,
  model: string,
  source: AsyncIterable<ChatChunk>,
): AsyncIterable<ChatChunk> {
  const compliance = context.compliance;
  if (principal === null || compliance === null) return source;
  const stages = compliance.applies({ principal, phase: "response" });
  const vault = issuedVault(principal);
  if (!stages && vault === null) return source;

  const scan: ScanText = async (text) => {
    const texts = [{ path: ["text"], text }];
    const result = await compliance.run({
      phase: "response", requestId: record.requestId, principal, model, sizeBytes: 0,
      headers: {}, texts, estimatedTokens: Math.ceil(text.length / 4),
    });
    return { result, text: texts[0]!.text };
  };
  const tokens = vault === null ? undefined : {
    spans: (text: string) => vault.tokenSpans(text),
    restore: (text: string) => vault.restore(text),
  };
  return scanned(source, new StreamScanner(scan, tokens), record);
}

async function* scanned(
  source: AsyncIterable<ChatChunk>,
  scanner: StreamScanner,
  record: RequestRecord,
): AsyncGenerator<ChatChunk> {
  let template: ChatChunk | null = null;
  try {
    for await (const chunk of source) {
      template ??= chunk;
      // Measured before the scan, which edits the chunk in place.
      record.addOutputChars(scannedLength(chunk));
      if (chunk.choices.length === 0) yield* released(flushAll(scanner, template), record);
      const kept = await filterChunk(chunk, scanner);
      if (kept !== null) yield release(kept, record);
    }
    if (template !== null) yield* released(flushAll(scanner, template), record);
  } catch (error) {
    if (error instanceof StreamBlocked) throw blockError(error.result, "response");
    // The stream failed upstream: what was held back is released, scanned, before the error.
    if (template !== null) yield* released(releaseBeforeFailure(scanner, template), record);
    throw error;
  } finally {
    record.addHookResult(scanner.summary);
  }
}

/*
 * Output accounting while text is held back. The record counts the text of every provider
 * chunk as output when it arrives, and `release` takes a released chunk's text off again,
 * because the stream format counts that text when it sends it. So the record's count always
 * includes the held-back text, which the provider generated and bills. A stream that ends
 * before its usage report (the client left, a stage blocked it) still gets an estimate. Only
 * a released chunk the client leaves before receiving is counted by neither side.
 */

function release(chunk: ChatChunk, record: RequestRecord): ChatChunk {
  record.addOutputChars(-scannedLength(chunk));
  return chunk;
}

async function* released(
  chunks: AsyncIterable<ChatChunk>,
  record: RequestRecord,
): AsyncGenerator<ChatChunk> {
  for await (const chunk of chunks) yield release(chunk, record);
}

/** Characters of the fields the scanner holds back (text, reasoning, refusal, tool input). */
function scannedLength(chunk: ChatChunk): number {
  let length = 0;
  for (const { delta } of chunk.choices) {
    length += (delta.content?.length ?? 0) + (delta.reasoning_content?.length ?? 0) +
      (delta.refusal?.length ?? 0);
    for (const call of delta.tool_calls ?? []) length += call.function?.arguments?.length ?? 0;
  }
  return length;
}

/** Passes a chunk's deltas through the scanner; null when nothing is left to send. */
async function filterChunk(chunk: ChatChunk, scanner: StreamScanner): Promise<ChatChunk | null> {
  let keep = chunk.choices.length === 0 || "usage" in chunk && chunk.usage !== undefined;
  for (const choice of chunk.choices) {
    const delta = choice.delta;
    await scanField(delta, "content", `${choice.index}:content`, scanner);
    await scanField(delta, "reasoning_content", `${choice.index}:reasoning`, scanner);
    await scanField(delta, "refusal", `${choice.index}:refusal`, scanner);
    // Log probabilities spell the answer out token by token, past any redaction of the text.
    delete (choice as { logprobs?: unknown }).logprobs;
    for (const call of delta.tool_calls ?? []) {
      if (call.function?.arguments === undefined) continue;
      const channel = `${choice.index}:tool:${call.index}`;
      call.function.arguments = await scanner.push(channel, call.function.arguments);
    }
    if (choice.finish_reason !== null) await flushChoice(choice.index, delta, scanner);
    keep ||= choice.finish_reason !== null || hasContent(delta);
  }
  return keep ? chunk : null;
}

async function scanField(
  delta: ChunkDelta,
  field: "content" | "reasoning_content" | "refusal",
  channel: string,
  scanner: StreamScanner,
): Promise<void> {
  const text = delta[field];
  if (typeof text !== "string" || text === "") return;
  const released = await scanner.push(channel, text);
  if (released === "") delete delta[field];
  else delta[field] = released;
}

/** Moves a finished choice's held-back text into its finishing delta. */
async function flushChoice(index: number, delta: ChunkDelta, scanner: StreamScanner) {
  for (const channel of scanner.channels.filter((c) => c.startsWith(`${index}:`))) {
    const rest = await scanner.flush(channel);
    if (rest === "") continue;
    const [, kind, callIndex] = channel.split(":");
    if (kind === "content") delta.content = (delta.content ?? "") + rest;
    else if (kind === "reasoning") delta.reasoning_content = (delta.reasoning_content ?? "") + rest;
    else if (kind === "refusal") delta.refusal = (delta.refusal ?? "") + rest;
    else {
      delta.tool_calls = [...(delta.tool_calls ?? []),
        { index: Number(callIndex), function: { arguments: rest } }];
    }
  }
}

async function* releaseBeforeFailure(
  scanner: StreamScanner,
  template: ChatChunk,
): AsyncGenerator<ChatChunk> {
  try {
    yield* flushAll(scanner, template);
  } catch (error) {
    if (error instanceof StreamBlocked) throw blockError(error.result, "response");
    throw error;
  }
}

/** Releases every channel still holding text, one chunk per choice. */
async function* flushAll(scanner: StreamScanner, template: ChatChunk): AsyncGenerator<ChatChunk> {
  const choices = new Set(scanner.channels.map((channel) => Number(channel.split(":")[0])));
  for (const index of choices) {
    const delta: ChunkDelta = {};
    await flushChoice(index, delta, scanner);
    if (!hasContent(delta)) continue;
    const { usage: _usage, ...rest } = template;
    yield { ...rest, choices: [{ index, delta, finish_reason: null }] };
  }
}

function hasContent(delta: ChunkDelta): boolean {
  return Object.keys(delta).some((key) => {
    const value = delta[key];
    if (key === "tool_calls") return Array.isArray(value) && value.length > 0;
    return value !== undefined && value !== "";
  });
}
