/**
 * Turns Anthropic stream events (message_start, content_block_start, content_block_delta,
 * content_block_stop, message_delta, message_stop, ping, error) into `chat.completion.chunk`s.
 * One decoder serves one stream, and `handle` receives its events in order.
 */

import type { ChatChunk, ChunkDelta, FinishReason } from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { errorFromEvent } from "./decode-error.ts";
import { toFinishReason } from "./finish-reason.ts";
import { jsonToolName } from "./json-mode.ts";
import { planStopSequences, StopScanner } from "./stop-sequences.ts";
import { mergeUsage, toUsage } from "./usage.ts";
import type { AnthropicUsage } from "./wire.ts";

/** Kind of one content block. Ignored blocks are server tools and unknown types. */
type BlockState =
  | { kind: "text" | "thinking" | "ignored" }
  | { kind: "tool"; toolIndex: number; sentArguments: boolean }
  | { kind: "json"; sentArguments: boolean };

type EventPayload = Record<string, unknown>;

export class StreamDecoder {
  private id = "";
  private readonly created = Math.floor(Date.now() / 1000);
  private started = false;
  private finishSent = false;
  private usage: AnthropicUsage = {};
  private readonly blocks = new Map<number, BlockState>();
  private toolCount = 0;
  private readonly scanner: StopScanner;
  private readonly jsonTool: string | null;
  private jsonSeen = false;
  /** Text held back in JSON mode until it is known whether the JSON tool follows. */
  private jsonModeText = "";
  /** Whether message_stop arrived. The caller stops reading the stream there. */
  done = false;

  constructor(private readonly context: DecodeContext) {
    this.scanner = new StopScanner(planStopSequences(context.request.stop).local);
    this.jsonTool = jsonToolName(context.request);
  }

  /** Returns the chunks for one event and throws the mapped NexusError for an `error` event. */
  handle(type: string, payload: EventPayload): ChatChunk[] {
    switch (type) {
      case "message_start":
        return this.onMessageStart(payload);
      case "content_block_start":
        return this.withStart(this.onBlockStart(payload));
      case "content_block_delta":
        return this.withStart(this.onBlockDelta(payload));
      case "content_block_stop":
        return this.withStart(this.onBlockStop(payload));
      case "message_delta":
        return this.withStart(this.onMessageDelta(payload));
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
    return this.textChunks(this.scanner.flush());
  }

  private onMessageStart(payload: EventPayload): ChatChunk[] {
    const message = (payload.message ?? {}) as { id?: unknown; usage?: AnthropicUsage };
    if (typeof message.id === "string") this.id = message.id;
    this.usage = mergeUsage(this.usage, message.usage);
    return this.withStart([]);
  }

  /** Puts the role chunk first, once, so it precedes content even without message_start. */
  private withStart(chunks: ChatChunk[]): ChatChunk[] {
    if (this.started) return chunks;
    this.started = true;
    return [this.chunk({ role: "assistant", content: "" }), ...chunks];
  }

  private onBlockStart(payload: EventPayload): ChatChunk[] {
    const index = Number(payload.index);
    const block = (payload.content_block ?? {}) as Record<string, unknown>;
    if (this.scanner.stopped) {
      this.blocks.set(index, { kind: "ignored" });
      return [];
    }

    switch (block.type) {
      case "text":
        this.blocks.set(index, { kind: "text" });
        return this.onText(typeof block.text === "string" ? block.text : "");
      case "thinking":
        this.blocks.set(index, { kind: "thinking" });
        return this.reasoningChunks(block.thinking, block.signature);
      case "redacted_thinking":
        this.blocks.set(index, { kind: "ignored" });
        return [this.redactedChunk(String(block.data))];
      case "tool_use":
        return this.onToolStart(index, block);
      default:
        this.blocks.set(index, { kind: "ignored" });
        return [];
    }
  }

  private onToolStart(index: number, block: Record<string, unknown>): ChatChunk[] {
    const name = String(block.name);
    const input = block.input as Record<string, unknown> | undefined;
    const hasInput = input !== undefined && Object.keys(input).length > 0;
    const initial = hasInput ? JSON.stringify(input) : "";

    if (name === this.jsonTool) {
      if (this.jsonSeen) {
        this.blocks.set(index, { kind: "ignored" });
        return [];
      }
      // The JSON tool call becomes the content, so text the model wrote before it is dropped.
      this.jsonSeen = true;
      this.jsonModeText = "";
      this.blocks.set(index, { kind: "json", sentArguments: initial !== "" });
      return initial === "" ? [] : [this.chunk({ content: initial })];
    }

    const toolIndex = this.toolCount++;
    this.blocks.set(index, { kind: "tool", toolIndex, sentArguments: initial !== "" });
    const call = { index: toolIndex, id: String(block.id), type: "function" as const };
    return [this.chunk({ tool_calls: [{ ...call, function: { name, arguments: initial } }] })];
  }

  private onBlockDelta(payload: EventPayload): ChatChunk[] {
    const state = this.blocks.get(Number(payload.index));
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
        return this.argumentChunks(state, String(delta.partial_json ?? ""));
      default:
        // citations_delta and later delta types have no Chat Completions field.
        return [];
    }
  }

  /** Sends "{}" for a tool call that streamed no arguments, so clients can parse them. */
  private onBlockStop(payload: EventPayload): ChatChunk[] {
    const state = this.blocks.get(Number(payload.index));
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

  private onText(text: string): ChatChunk[] {
    if (this.scanner.stopped) return [];
    return this.textChunks(this.scanner.push(text));
  }

  /** Text after the stop scanner. In JSON mode it is held (and dropped if the JSON tool runs). */
  private textChunks(text: string): ChatChunk[] {
    if (text === "") return [];
    if (this.jsonTool !== null) {
      if (!this.jsonSeen) this.jsonModeText += text;
      return [];
    }
    return [this.chunk({ content: text })];
  }

  private reasoningChunks(thinking: unknown, signature: unknown): ChatChunk[] {
    if (this.scanner.stopped) return [];

    const chunks: ChatChunk[] = [];
    if (typeof thinking === "string" && thinking !== "") {
      chunks.push(this.chunk({ reasoning_content: thinking }));
    }
    if (typeof signature === "string" && signature !== "") {
      chunks.push(this.chunk({ reasoning_details: [{ type: "thinking", signature }] }));
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

    const chunks = this.textChunks(this.scanner.flush());
    if (this.jsonTool !== null && !this.jsonSeen && this.jsonModeText !== "") {
      chunks.push(this.chunk({ content: this.jsonModeText }));
    }
    chunks.push(this.chunk({}, this.finishReason(stopReason)));
    return chunks;
  }

  private finishReason(stopReason: string | null): FinishReason {
    if (this.scanner.stopped) return "stop";

    const reason = toFinishReason(stopReason);
    return reason === "tool_calls" && this.toolCount === 0 ? "stop" : reason;
  }

  /**
   * Returns a chunk with the usage reported before the stream failed, flagged
   * `usage_partial`, or null when the provider reported none (no `message_start`).
   */
  partialUsageChunk(): ChatChunk | null {
    if (this.usage.input_tokens === undefined) return null;
    return {
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.context.clientModel,
      choices: [],
      usage: toUsage(this.usage),
      usage_partial: true,
    };
  }

  /** Emits the finish chunk if still due, then the final chunk with usage and no choices. */
  private onMessageStop(): ChatChunk[] {
    const chunks = this.withStart(this.finishChunks(null));
    this.done = true;
    chunks.push({
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.context.clientModel,
      choices: [],
      usage: toUsage(this.usage),
    });
    return chunks;
  }

  private streamError(payload: EventPayload) {
    const error = (payload.error ?? {}) as { type?: unknown; message?: unknown };
    const type = typeof error.type === "string" ? error.type : "api_error";
    const message = typeof error.message === "string" ? error.message : "error event in stream";
    return errorFromEvent(type, message);
  }

  private redactedChunk(data: string): ChatChunk {
    return this.chunk({ reasoning_details: [{ type: "redacted_thinking", data }] });
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
