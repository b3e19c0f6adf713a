/**
 * Turns Anthropic stream events (message_start, content_block_start, content_block_delta,
 * content_block_stop, message_delta, message_stop, ping, error) into `chat.completion.chunk`s.
 * One decoder serves one stream, and `handle` receives its events in order.
 */

import type { ChatChunk, FinishReason } from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { ChunkBuilder } from "../shared/chunk-builder.ts";
import { ToolCallBlocks } from "../shared/tool-call-blocks.ts";
import { errorFromEvent } from "./decode-error.ts";
import { toFinishReason } from "./finish-reason.ts";
import { jsonToolName } from "./json-mode.ts";
import { planStopSequences, StopScanner } from "./stop-sequences.ts";
import { mergeUsage, toUsage } from "./usage.ts";
import type { AnthropicUsage } from "./wire.ts";

type EventPayload = Record<string, unknown>;

export class StreamDecoder {
  private readonly chunks: ChunkBuilder;
  private readonly blocks: ToolCallBlocks;
  private finishSent = false;
  private usage: AnthropicUsage = {};
  private readonly scanner: StopScanner;
  /** Whether message_stop arrived. The caller stops reading the stream there. */
  done = false;

  constructor(context: DecodeContext) {
    this.chunks = new ChunkBuilder(context.clientModel);
    this.blocks = new ToolCallBlocks(this.chunks, jsonToolName(context.request));
    this.scanner = new StopScanner(planStopSequences(context.request.stop).local);
  }

  /** Returns the chunks for one event and throws the mapped NexusError for an `error` event. */
  handle(type: string, payload: EventPayload): ChatChunk[] {
    switch (type) {
      case "message_start":
        return this.onMessageStart(payload);
      case "content_block_start":
        return this.chunks.withRole(this.onBlockStart(payload));
      case "content_block_delta":
        return this.chunks.withRole(this.onBlockDelta(payload));
      case "content_block_stop":
        return this.chunks.withRole(this.blocks.stopChunks(Number(payload.index)));
      case "message_delta":
        return this.chunks.withRole(this.onMessageDelta(payload));
      case "message_stop":
        return this.onMessageStop();
      case "error":
        throw this.streamError(payload);
      default:
        // `ping` and event types added to the API later carry nothing a chat client reads.
        return [];
    }
  }

  /** Chunks for text held back by the stop scanner when the stream ends without message_stop. */
  flushOnCut(): ChatChunk[] {
    return this.blocks.textChunks(this.scanner.flush());
  }

  private onMessageStart(payload: EventPayload): ChatChunk[] {
    const message = (payload.message ?? {}) as { id?: unknown; usage?: AnthropicUsage };
    if (typeof message.id === "string") this.chunks.id = message.id;
    this.usage = mergeUsage(this.usage, message.usage);
    return this.chunks.withRole([]);
  }

  private onBlockStart(payload: EventPayload): ChatChunk[] {
    const index = Number(payload.index);
    const block = (payload.content_block ?? {}) as Record<string, unknown>;
    if (this.scanner.stopped) {
      this.blocks.set(index, "ignored");
      return [];
    }

    switch (block.type) {
      case "text":
        this.blocks.set(index, "text");
        return this.onText(typeof block.text === "string" ? block.text : "");
      case "thinking":
        this.blocks.set(index, "thinking");
        return this.reasoningChunks(block.thinking, block.signature);
      case "redacted_thinking":
        this.blocks.set(index, "ignored");
        return [this.redactedChunk(String(block.data))];
      case "tool_use":
        return this.onToolStart(index, block);
      default:
        this.blocks.set(index, "ignored");
        return [];
    }
  }

  private onToolStart(index: number, block: Record<string, unknown>): ChatChunk[] {
    const input = block.input as Record<string, unknown> | undefined;
    const hasInput = input !== undefined && Object.keys(input).length > 0;
    const initial = hasInput ? JSON.stringify(input) : "";
    return this.blocks.startTool(index, String(block.id), String(block.name), initial);
  }

  private onBlockDelta(payload: EventPayload): ChatChunk[] {
    const index = Number(payload.index);
    const state = this.blocks.get(index);
    const delta = (payload.delta ?? {}) as Record<string, unknown>;
    if (state === undefined || state.kind === "ignored") return [];

    switch (delta.type) {
      case "text_delta":
        return state.kind === "text" ? this.onText(String(delta.text ?? "")) : [];
      case "thinking_delta":
        return this.reasoningChunks(delta.thinking, undefined);
      case "signature_delta":
        return this.reasoningChunks(undefined, delta.signature);
      case "input_json_delta":
        return this.blocks.argumentChunks(index, String(delta.partial_json ?? ""));
      default:
        // citations_delta and later delta types have no Chat Completions field.
        return [];
    }
  }

  /** Text after the stop scanner. In JSON mode it is held (and dropped if the JSON tool runs). */
  private onText(text: string): ChatChunk[] {
    if (this.scanner.stopped) return [];
    return this.blocks.textChunks(this.scanner.push(text));
  }

  private reasoningChunks(thinking: unknown, signature: unknown): ChatChunk[] {
    if (this.scanner.stopped) return [];

    const chunks: ChatChunk[] = [];
    if (typeof thinking === "string" && thinking !== "") {
      chunks.push(this.chunks.chunk({ reasoning_content: thinking }));
    }
    if (typeof signature === "string" && signature !== "") {
      chunks.push(this.chunks.chunk({ reasoning_details: [{ type: "thinking", signature }] }));
    }
    return chunks;
  }

  private onMessageDelta(payload: EventPayload): ChatChunk[] {
    this.usage = mergeUsage(this.usage, payload.usage as AnthropicUsage | undefined);
    const delta = (payload.delta ?? {}) as { stop_reason?: string | null };
    return this.finishChunks(delta.stop_reason ?? null);
  }

  private finishChunks(stopReason: string | null): ChatChunk[] {
    if (this.finishSent) return [];
    this.finishSent = true;

    const chunks = this.blocks.textChunks(this.scanner.flush());
    chunks.push(...this.blocks.heldTextChunks());
    chunks.push(this.chunks.chunk({}, this.finishReason(stopReason)));
    return chunks;
  }

  private finishReason(stopReason: string | null): FinishReason {
    if (this.scanner.stopped) return "stop";
    return this.blocks.finishReason(toFinishReason(stopReason));
  }

  /**
   * Returns a chunk with the usage reported before the stream failed, flagged
   * `usage_partial`, or null when the provider reported none (no `message_start`).
   */
  partialUsageChunk(): ChatChunk | null {
    if (this.usage.input_tokens === undefined) return null;
    return this.chunks.usageChunk(toUsage(this.usage), true);
  }

  /** Emits the finish chunk if still due, then the final chunk with usage and no choices. */
  private onMessageStop(): ChatChunk[] {
    const chunks = this.chunks.withRole(this.finishChunks(null));
    this.done = true;
    chunks.push(this.chunks.usageChunk(toUsage(this.usage)));
    return chunks;
  }

  private streamError(payload: EventPayload) {
    const error = (payload.error ?? {}) as { type?: unknown; message?: unknown };
    const type = typeof error.type === "string" ? error.type : "api_error";
    const message = typeof error.message === "string" ? error.message : "error event in stream";
    return errorFromEvent(type, message);
  }

  private redactedChunk(data: string): ChatChunk {
    return this.chunks.chunk({ reasoning_details: [{ type: "redacted_thinking", data }] });
  }
}
