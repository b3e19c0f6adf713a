/**
 * Turns Cohere v2 stream events (message-start, content-start, content-delta, content-end,
 * tool-plan-delta, tool-call-start, tool-call-delta, tool-call-end, citation-start,
 * citation-end, message-end) into `chat.completion.chunk`s. One decoder serves one stream, and
 * `handle` receives its events in order.
 */

import type { ChatChunk } from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { ChunkBuilder } from "../shared/chunk-builder.ts";
import { ToolCallBlocks } from "../shared/tool-call-blocks.ts";
import { isErrorFinish, toFinishReason } from "./finish-reason.ts";
import { generationFailed } from "./upstream-errors.ts";
import { toUsage } from "./usage.ts";
import type { CohereUsage } from "./wire.ts";

type EventPayload = Record<string, unknown>;

export class StreamDecoder {
  private readonly chunks: ChunkBuilder;
  /** Open tool calls by the event `index`, which Cohere may number apart from content. */
  private readonly tools: ToolCallBlocks;
  private usage: CohereUsage | null = null;
  /** Whether message-end arrived. The caller stops reading the stream there. */
  done = false;

  constructor(context: DecodeContext) {
    this.chunks = new ChunkBuilder(context.clientModel);
    // Cohere has a JSON response_format of its own, so the gateway adds no JSON-mode tool.
    this.tools = new ToolCallBlocks(this.chunks, null);
  }

  /** Returns the chunks for one event; throws `upstream_error` for finish_reason ERROR. */
  handle(type: string, payload: EventPayload): ChatChunk[] {
    switch (type) {
      case "message-start":
        if (typeof payload.id === "string") this.chunks.id = payload.id;
        return this.chunks.withRole([]);
      case "content-start":
      case "content-delta":
        return this.chunks.withRole(this.onContent(payload));
      case "tool-plan-delta":
        return this.chunks.withRole(this.textChunk(messageOf(payload).tool_plan));
      case "tool-call-start":
        return this.chunks.withRole(this.onToolStart(payload));
      case "tool-call-delta":
        return this.chunks.withRole(this.onToolDelta(payload));
      case "tool-call-end":
        return this.chunks.withRole(this.tools.stopChunks(Number(payload.index)));
      case "message-end":
        return this.chunks.withRole(this.onMessageEnd(payload));
      default:
        // content-end, citation events, debug and later event types carry no chat field.
        return [];
    }
  }

  /**
   * Returns a chunk with the usage Cohere reported before the stream failed, flagged
   * `usage_partial`, or null. Cohere reports usage only in message-end, so this is non-null
   * only when message-end itself signalled a failed generation.
   */
  partialUsageChunk(): ChatChunk | null {
    if (this.usage === null) return null;
    return this.chunks.usageChunk(toUsage(this.usage), true);
  }

  /** Emits the `text` or `thinking` that content-start and content-delta events carry. */
  private onContent(payload: EventPayload): ChatChunk[] {
    const content = (messageOf(payload).content ?? {}) as Record<string, unknown>;
    const chunks = this.textChunk(content.text);
    if (typeof content.thinking === "string" && content.thinking !== "") {
      chunks.push(this.chunks.chunk({ reasoning_content: content.thinking }));
    }
    return chunks;
  }

  private textChunk(text: unknown): ChatChunk[] {
    if (typeof text !== "string" || text === "") return [];
    return [this.chunks.chunk({ content: text })];
  }

  private onToolStart(payload: EventPayload): ChatChunk[] {
    const call = (messageOf(payload).tool_calls ?? {}) as {
      id?: unknown;
      function?: { name?: unknown; arguments?: unknown };
    };
    const initial = typeof call.function?.arguments === "string" ? call.function.arguments : "";
    const name = String(call.function?.name);
    return this.tools.startTool(Number(payload.index), String(call.id), name, initial);
  }

  private onToolDelta(payload: EventPayload): ChatChunk[] {
    const call = (messageOf(payload).tool_calls ?? {}) as { function?: { arguments?: unknown } };
    const text = call.function?.arguments;
    if (typeof text !== "string") return [];
    return this.tools.argumentChunks(Number(payload.index), text);
  }

  private onMessageEnd(payload: EventPayload): ChatChunk[] {
    const delta = (payload.delta ?? {}) as { finish_reason?: unknown; usage?: CohereUsage };
    this.usage = delta.usage ?? {};
    const reason = typeof delta.finish_reason === "string" ? delta.finish_reason : null;
    if (isErrorFinish(reason)) throw generationFailed();

    this.done = true;
    const finish = this.tools.finishReason(toFinishReason(reason));
    return [this.chunks.chunk({}, finish), this.chunks.usageChunk(toUsage(this.usage))];
  }
}

/** Returns `delta.message`, where every Cohere stream event nests its payload. */
function messageOf(payload: EventPayload): Record<string, unknown> {
  const delta = payload.delta as { message?: unknown } | undefined;
  const message = delta?.message;
  if (typeof message !== "object" || message === null) return {};
  return message as Record<string, unknown>;
}
