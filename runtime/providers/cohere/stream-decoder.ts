/**
 * Turns Cohere v2 stream events (message-start, content-start, content-delta, content-end,
 * tool-plan-delta, tool-call-start, tool-call-delta, tool-call-end, citation-start,
 * citation-end, message-end) into `chat.completion.chunk`s. One decoder serves one stream, and
 * `handle` receives its events in order.
 */

import type { ChatChunk, ChunkDelta, FinishReason } from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { isErrorFinish, toFinishReason } from "./finish-reason.ts";
import { generationFailed } from "./upstream-errors.ts";
import { toUsage } from "./usage.ts";
import type { CohereUsage } from "./wire.ts";

type EventPayload = Record<string, unknown>;

interface ToolState {
  toolIndex: number;
  sentArguments: boolean;
}

export class StreamDecoder {
  private id = "";
  private readonly created = Math.floor(Date.now() / 1000);
  private started = false;
  private usage: CohereUsage | null = null;
  /** Open tool calls by the event `index`, which Cohere may number apart from content. */
  private readonly tools = new Map<number, ToolState>();
  private toolCount = 0;
  /** Whether message-end arrived. The caller stops reading the stream there. */
  done = false;

  constructor(private readonly context: DecodeContext) {}

  /** Returns the chunks for one event; throws `upstream_error` for finish_reason ERROR. */
  handle(type: string, payload: EventPayload): ChatChunk[] {
    switch (type) {
      case "message-start":
        if (typeof payload.id === "string") this.id = payload.id;
        return this.withStart([]);
      case "content-start":
      case "content-delta":
        return this.withStart(this.onContent(payload));
      case "tool-plan-delta":
        return this.withStart(this.textChunk(messageOf(payload).tool_plan));
      case "tool-call-start":
        return this.withStart(this.onToolStart(payload));
      case "tool-call-delta":
        return this.withStart(this.onToolDelta(payload));
      case "tool-call-end":
        return this.withStart(this.onToolEnd(payload));
      case "message-end":
        return this.withStart(this.onMessageEnd(payload));
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
    return { ...this.usageChunk(), usage_partial: true };
  }

  /** Puts the role chunk first, once, so it precedes content even without message-start. */
  private withStart(chunks: ChatChunk[]): ChatChunk[] {
    if (this.started) return chunks;
    this.started = true;
    return [this.chunk({ role: "assistant", content: "" }), ...chunks];
  }

  /** Emits the `text` or `thinking` that content-start and content-delta events carry. */
  private onContent(payload: EventPayload): ChatChunk[] {
    const content = (messageOf(payload).content ?? {}) as Record<string, unknown>;
    const chunks = this.textChunk(content.text);
    if (typeof content.thinking === "string" && content.thinking !== "") {
      chunks.push(this.chunk({ reasoning_content: content.thinking }));
    }
    return chunks;
  }

  private textChunk(text: unknown): ChatChunk[] {
    if (typeof text !== "string" || text === "") return [];
    return [this.chunk({ content: text })];
  }

  private onToolStart(payload: EventPayload): ChatChunk[] {
    const call = (messageOf(payload).tool_calls ?? {}) as {
      id?: unknown;
      function?: { name?: unknown; arguments?: unknown };
    };
    const initial = typeof call.function?.arguments === "string" ? call.function.arguments : "";
    const toolIndex = this.toolCount++;
    this.tools.set(Number(payload.index), { toolIndex, sentArguments: initial !== "" });

    const delta = {
      index: toolIndex,
      id: String(call.id),
      type: "function" as const,
      function: { name: String(call.function?.name), arguments: initial },
    };
    return [this.chunk({ tool_calls: [delta] })];
  }

  private onToolDelta(payload: EventPayload): ChatChunk[] {
    const state = this.tools.get(Number(payload.index));
    const call = (messageOf(payload).tool_calls ?? {}) as { function?: { arguments?: unknown } };
    const text = call.function?.arguments;
    if (state === undefined || typeof text !== "string" || text === "") return [];
    return this.argumentChunks(state, text);
  }

  /** Sends "{}" for a tool call that streamed no arguments, so clients can parse them. */
  private onToolEnd(payload: EventPayload): ChatChunk[] {
    const state = this.tools.get(Number(payload.index));
    if (state === undefined || state.sentArguments) return [];
    return this.argumentChunks(state, "{}");
  }

  private argumentChunks(state: ToolState, text: string): ChatChunk[] {
    state.sentArguments = true;
    const delta = { index: state.toolIndex, function: { arguments: text } };
    return [this.chunk({ tool_calls: [delta] })];
  }

  private onMessageEnd(payload: EventPayload): ChatChunk[] {
    const delta = (payload.delta ?? {}) as { finish_reason?: unknown; usage?: CohereUsage };
    this.usage = delta.usage ?? {};
    const reason = typeof delta.finish_reason === "string" ? delta.finish_reason : null;
    if (isErrorFinish(reason)) throw generationFailed();

    this.done = true;
    return [this.chunk({}, this.finishReason(reason)), this.usageChunk()];
  }

  private finishReason(reason: string | null): FinishReason {
    const mapped = toFinishReason(reason);
    return mapped === "tool_calls" && this.toolCount === 0 ? "stop" : mapped;
  }

  private usageChunk(): ChatChunk {
    return {
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.context.clientModel,
      choices: [],
      usage: toUsage(this.usage),
    };
  }

  private chunk(delta: ChunkDelta, finishReason: FinishReason | null = null): ChatChunk {
    return {
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.context.clientModel,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    };
  }
}

/** Returns `delta.message`, where every Cohere stream event nests its payload. */
function messageOf(payload: EventPayload): Record<string, unknown> {
  const delta = payload.delta as { message?: unknown } | undefined;
  const message = delta?.message;
  if (typeof message !== "object" || message === null) return {};
  return message as Record<string, unknown>;
}
