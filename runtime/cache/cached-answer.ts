import type { ChatChunk, ChatResponse } from "../canonical/chat.ts";

/**
 * A stored answer as the provider's answer was decoded: canonical chat items by default, or
 * the items of another API's own shape (Anthropic events, Responses events, embeddings).
 */
export type CachedAnswer<J = ChatResponse, S = ChatChunk> =
  | { kind: "json"; response: J }
  | { kind: "stream"; chunks: S[] };

export function encodeCachedAnswer<J, S>(answer: CachedAnswer<J, S>): string {
  return JSON.stringify({ v: 1, ...answer });
}

/** Returns the answer, or null for a value this version cannot read (then it is a miss). */
export function decodeCachedAnswer<J = ChatResponse, S = ChatChunk>(
  value: string,
): CachedAnswer<J, S> | null {
  try {
    const parsed = JSON.parse(value) as { v?: unknown } & Partial<{
      kind: string; response: J; chunks: S[];
    }>;
    if (parsed.v !== 1) return null;
    if (parsed.kind === "json" && parsed.response !== undefined) {
      return { kind: "json", response: parsed.response };
    }
    if (parsed.kind === "stream" && Array.isArray(parsed.chunks)) {
      return { kind: "stream", chunks: parsed.chunks };
    }
    return null;
  } catch {
    return null;
  }
}

/**
 * Tells whether a JSON answer may be stored: it has choices, each finished, none stopped by
 * the provider's content filter, and none carrying a refusal.
 */
export function isCacheableResponse(response: ChatResponse): boolean {
  if (response.choices.length === 0) return false;
  return response.choices.every((choice) =>
    choice.finish_reason !== null &&
    choice.finish_reason !== "content_filter" &&
    !choice.message.refusal
  );
}

/**
 * Tells whether a complete stream may be stored: every choice it opened has finished, none by
 * the content filter, and no delta carries a refusal. The caller checks that the stream ended
 * normally; a cut or failed stream is never passed here.
 */
export function isCacheableStream(chunks: ChatChunk[]): boolean {
  const opened = new Set<number>();
  const finished = new Set<number>();
  for (const chunk of chunks) {
    if (chunk.usage_partial === true) return false;
    for (const choice of chunk.choices) {
      opened.add(choice.index);
      if (choice.delta.refusal) return false;
      if (choice.finish_reason === "content_filter") return false;
      if (choice.finish_reason !== null) finished.add(choice.index);
    }
  }
  return opened.size > 0 && [...opened].every((index) => finished.has(index));
}
