/**
 * Builds the `chat.completion.chunk`s of one stream. Every chunk of a stream carries the same
 * id, creation time and client model, and the role chunk goes out once, before any other.
 */

import type { ChatChunk, ChunkDelta, FinishReason, Usage } from "../../canonical/chat.ts";

export class ChunkBuilder {
  /** The response id. A decoder sets it when the provider names the response mid-stream. */
  id: string;
  private readonly created = Math.floor(Date.now() / 1000);
  private started = false;

  constructor(
    private readonly model: string,
    id = "",
  ) {
    this.id = id;
  }

  /** Builds a chunk for the choice at `index`, which is 0 by default. */
  chunk(delta: ChunkDelta, finishReason: FinishReason | null = null, index = 0): ChatChunk {
    return {
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.model,
      choices: [{ index, delta, finish_reason: finishReason }],
    };
  }

  /** Builds the chunk with the usage and no choices; `partial` flags a failed stream's counts. */
  usageChunk(usage: Usage | null, partial = false): ChatChunk {
    const chunk: ChatChunk = { ...this.chunk({}), choices: [], usage };
    if (partial) chunk.usage_partial = true;
    return chunk;
  }

  /** Puts the role chunk before `chunks` the first time it is called, so it precedes content. */
  withRole(chunks: ChatChunk[]): ChatChunk[] {
    if (this.started) return chunks;
    this.started = true;
    return [this.chunk({ role: "assistant", content: "" }), ...chunks];
  }
}
