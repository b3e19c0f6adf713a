/**
 * Turns ConverseStream events (messageStart, contentBlockStart, contentBlockDelta,
 * contentBlockStop, messageStop, metadata) into `chat.completion.chunk`s. One decoder serves
 * one stream, and `handle` receives its events in order. Text blocks have no
 * contentBlockStart: their first delta opens them.
 */

import type { ChatChunk, ChunkDelta, FinishReason } from "../../canonical/chat.ts";
import { jsonToolName } from "../anthropic/json-mode.ts";
import type { DecodeContext } from "../codec.ts";
import { toFinishReason } from "./finish-reason.ts";
import { responseId } from "./response-id.ts";
import { toUsage } from "./usage.ts";
import type { TokenUsage } from "./wire.ts";

type BlockState =
  | { kind: "content" | "ignored" }
  | { kind: "tool"; toolIndex: number; sentArguments: boolean }
  | { kind: "json"; sentArguments: boolean };

type EventPayload = Record<string, unknown>;

export class StreamDecoder {
  private readonly id = responseId();
  private readonly created = Math.floor(Date.now() / 1000);
  private started = false;
  private finishSent = false;
  private readonly blocks = new Map<number, BlockState>();
  private toolCount = 0;
  private readonly jsonTool: string | null;
  private jsonSeen = false;
  /** Text held back in JSON mode until it is known whether the JSON tool follows. */
  private jsonModeText = "";
  /** Whether the metadata event arrived. The caller stops reading the stream there. */
  done = false;

  constructor(private readonly context: DecodeContext) {
    this.jsonTool = jsonToolName(context.request);
  }

  /** Returns the chunks for one event; unknown event types yield nothing. */
  handle(type: string, payload: EventPayload): ChatChunk[] {
    switch (type) {
      case "messageStart":
        return this.withStart([]);
      case "contentBlockStart":
        return this.withStart(this.onBlockStart(payload));
      case "contentBlockDelta":
        return this.withStart(this.onBlockDelta(payload));
      case "contentBlockStop":
        return this.withStart(this.onBlockStop(payload));
      case "messageStop":
        return this.withStart(this.finishChunks(stringOrNull(payload.stopReason)));
      case "metadata":
        return this.onMetadata(payload);
      default:
        return [];
    }
  }

  /** Chunks for JSON-mode text held back when the stream ends before messageStop. */
  flushOnCut(): ChatChunk[] {
    if (this.jsonTool === null || this.jsonSeen || this.jsonModeText === "") return [];
    return [this.chunk({ content: this.jsonModeText })];
  }

  private withStart(chunks: ChatChunk[]): ChatChunk[] {
    if (this.started) return chunks;
    this.started = true;
    return [this.chunk({ role: "assistant", content: "" }), ...chunks];
  }

  private onBlockStart(payload: EventPayload): ChatChunk[] {
    const index = Number(payload.contentBlockIndex);
    const start = (payload.start ?? {}) as { toolUse?: { toolUseId?: unknown; name?: unknown } };
    if (start.toolUse === undefined) {
      this.blocks.set(index, { kind: "content" });
      return [];
    }

    const name = String(start.toolUse.name ?? "");
    if (name === this.jsonTool) {
      if (this.jsonSeen) {
        this.blocks.set(index, { kind: "ignored" });
        return [];
      }
      // The JSON tool call becomes the content, so text the model wrote before it is dropped.
      this.jsonSeen = true;
      this.jsonModeText = "";
      this.blocks.set(index, { kind: "json", sentArguments: false });
      return [];
    }

    const toolIndex = this.toolCount++;
    this.blocks.set(index, { kind: "tool", toolIndex, sentArguments: false });
    const id = String(start.toolUse.toolUseId ?? "");
    const call = { index: toolIndex, id, type: "function" as const };
    return [this.chunk({ tool_calls: [{ ...call, function: { name, arguments: "" } }] })];
  }

  private onBlockDelta(payload: EventPayload): ChatChunk[] {
    const index = Number(payload.contentBlockIndex);
    const delta = (payload.delta ?? {}) as Record<string, unknown>;
    let state = this.blocks.get(index);
    if (state === undefined) {
      state = { kind: "content" };
      this.blocks.set(index, state);
    }
    if (state.kind === "ignored") return [];

    if (typeof delta.text === "string") return this.textChunks(delta.text);
    if (isRecord(delta.toolUse)) {
      return this.argumentChunks(state, String(delta.toolUse.input ?? ""));
    }
    if (isRecord(delta.reasoningContent)) return this.reasoningChunks(delta.reasoningContent);
    // Citation deltas and later delta types have no Chat Completions field.
    return [];
  }

  /** Sends "{}" for a tool call that streamed no arguments, so clients can parse them. */
  private onBlockStop(payload: EventPayload): ChatChunk[] {
    const state = this.blocks.get(Number(payload.contentBlockIndex));
    if (state === undefined || (state.kind !== "tool" && state.kind !== "json")) return [];
    return state.sentArguments ? [] : this.argumentChunks(state, "{}");
  }

  private argumentChunks(state: BlockState, text: string): ChatChunk[] {
    if (text === "") return [];
    if (state.kind === "json") {
      state.sentArguments = true;
      return [this.chunk({ content: text })];
    }
    if (state.kind !== "tool") return [];

    state.sentArguments = true;
    const call = { index: state.toolIndex, function: { arguments: text } };
    return [this.chunk({ tool_calls: [call] })];
  }

  /** Text goes out at once, except in JSON mode, where it waits for the JSON tool. */
  private textChunks(text: string): ChatChunk[] {
    if (text === "") return [];
    if (this.jsonTool !== null) {
      if (!this.jsonSeen) this.jsonModeText += text;
      return [];
    }
    return [this.chunk({ content: text })];
  }

  private reasoningChunks(reasoning: Record<string, unknown>): ChatChunk[] {
    const chunks: ChatChunk[] = [];
    if (typeof reasoning.text === "string" && reasoning.text !== "") {
      chunks.push(this.chunk({ reasoning_content: reasoning.text }));
    }
    if (typeof reasoning.signature === "string" && reasoning.signature !== "") {
      const signature = reasoning.signature;
      chunks.push(this.chunk({ reasoning_details: [{ type: "thinking", signature }] }));
    }
    if (typeof reasoning.redactedContent === "string") {
      const data = reasoning.redactedContent;
      chunks.push(this.chunk({ reasoning_details: [{ type: "redacted_thinking", data }] }));
    }
    return chunks;
  }

  private finishChunks(stopReason: string | null): ChatChunk[] {
    if (this.finishSent) return [];
    this.finishSent = true;

    const chunks = this.flushOnCut();
    const reason = toFinishReason(stopReason);
    // A forced JSON tool ends with tool_use, but the client sees plain JSON content.
    const finish: FinishReason = reason === "tool_calls" && this.toolCount === 0 ? "stop" : reason;
    chunks.push(this.chunk({}, finish));
    return chunks;
  }

  /** Emits the finish chunk if still due, then the final chunk with usage and no choices. */
  private onMetadata(payload: EventPayload): ChatChunk[] {
    const chunks = this.withStart(this.finishChunks(null));
    this.done = true;
    chunks.push({
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.context.clientModel,
      choices: [],
      usage: toUsage(payload.usage as TokenUsage | undefined),
    });
    return chunks;
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

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
