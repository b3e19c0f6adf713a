/**
 * Turns ConverseStream events (messageStart, contentBlockStart, contentBlockDelta,
 * contentBlockStop, messageStop, metadata) into `chat.completion.chunk`s. One decoder serves
 * one stream, and `handle` receives its events in order. Text blocks have no
 * contentBlockStart: their first delta opens them.
 */

import type { ChatChunk } from "../../canonical/chat.ts";
import { jsonToolName } from "../anthropic/json-mode.ts";
import type { DecodeContext } from "../codec.ts";
import { ChunkBuilder } from "../shared/chunk-builder.ts";
import { ToolCallBlocks } from "../shared/tool-call-blocks.ts";
import { toFinishReason } from "./finish-reason.ts";
import { responseId } from "./response-id.ts";
import { toUsage } from "./usage.ts";
import type { TokenUsage } from "./wire.ts";

type EventPayload = Record<string, unknown>;

export class StreamDecoder {
  private readonly chunks: ChunkBuilder;
  private readonly blocks: ToolCallBlocks;
  private finishSent = false;
  /** Whether the metadata event arrived. The caller stops reading the stream there. */
  done = false;

  constructor(context: DecodeContext) {
    this.chunks = new ChunkBuilder(context.clientModel, responseId());
    this.blocks = new ToolCallBlocks(this.chunks, jsonToolName(context.request));
  }

  /** Returns the chunks for one event; unknown event types yield nothing. */
  handle(type: string, payload: EventPayload): ChatChunk[] {
    switch (type) {
      case "messageStart":
        return this.chunks.withRole([]);
      case "contentBlockStart":
        return this.chunks.withRole(this.onBlockStart(payload));
      case "contentBlockDelta":
        return this.chunks.withRole(this.onBlockDelta(payload));
      case "contentBlockStop":
        return this.chunks.withRole(this.blocks.stopChunks(Number(payload.contentBlockIndex)));
      case "messageStop":
        return this.chunks.withRole(this.finishChunks(stringOrNull(payload.stopReason)));
      case "metadata":
        return this.onMetadata(payload);
      default:
        return [];
    }
  }

  /** Chunks for JSON-mode text held back when the stream ends before messageStop. */
  flushOnCut(): ChatChunk[] {
    return this.blocks.heldTextChunks();
  }

  /**
   * Converse does not tell a text block from a reasoning block at its start, and this decoder
   * needs no difference, so every block that is not a tool call is recorded as "text".
   */
  private onBlockStart(payload: EventPayload): ChatChunk[] {
    const index = Number(payload.contentBlockIndex);
    const start = (payload.start ?? {}) as { toolUse?: { toolUseId?: unknown; name?: unknown } };
    if (start.toolUse === undefined) {
      this.blocks.set(index, "text");
      return [];
    }

    const id = String(start.toolUse.toolUseId ?? "");
    return this.blocks.startTool(index, id, String(start.toolUse.name ?? ""), "");
  }

  private onBlockDelta(payload: EventPayload): ChatChunk[] {
    const index = Number(payload.contentBlockIndex);
    const delta = (payload.delta ?? {}) as Record<string, unknown>;
    if (this.blocks.get(index) === undefined) this.blocks.set(index, "text");
    if (this.blocks.get(index)?.kind === "ignored") return [];

    if (typeof delta.text === "string") return this.blocks.textChunks(delta.text);
    if (isRecord(delta.toolUse)) {
      return this.blocks.argumentChunks(index, String(delta.toolUse.input ?? ""));
    }
    if (isRecord(delta.reasoningContent)) return this.reasoningChunks(delta.reasoningContent);
    // Citation deltas and later delta types have no Chat Completions field.
    return [];
  }

  private reasoningChunks(reasoning: Record<string, unknown>): ChatChunk[] {
    const chunks: ChatChunk[] = [];
    if (typeof reasoning.text === "string" && reasoning.text !== "") {
      chunks.push(this.chunks.chunk({ reasoning_content: reasoning.text }));
    }
    if (typeof reasoning.signature === "string" && reasoning.signature !== "") {
      const signature = reasoning.signature;
      chunks.push(this.chunks.chunk({ reasoning_details: [{ type: "thinking", signature }] }));
    }
    if (typeof reasoning.redactedContent === "string") {
      const data = reasoning.redactedContent;
      chunks.push(this.chunks.chunk({ reasoning_details: [{ type: "redacted_thinking", data }] }));
    }
    return chunks;
  }

  private finishChunks(stopReason: string | null): ChatChunk[] {
    if (this.finishSent) return [];
    this.finishSent = true;

    const chunks = this.flushOnCut();
    chunks.push(this.chunks.chunk({}, this.blocks.finishReason(toFinishReason(stopReason))));
    return chunks;
  }

  /** Emits the finish chunk if still due, then the final chunk with usage and no choices. */
  private onMetadata(payload: EventPayload): ChatChunk[] {
    const chunks = this.chunks.withRole(this.finishChunks(null));
    this.done = true;
    chunks.push(this.chunks.usageChunk(toUsage(payload.usage as TokenUsage | undefined)));
    return chunks;
  }
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
