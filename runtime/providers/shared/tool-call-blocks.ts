/**
 * Tracks the numbered content blocks of one stream whose tool calls arrive as a start, then
 * argument pieces, then a stop (Anthropic, Bedrock Converse, Cohere). It numbers the calls for
 * the client and handles the gateway's JSON-mode tool (see anthropic/json-mode.ts): the first
 * call of that tool becomes the content, and text the model writes before it is held back.
 */

import type { ChatChunk, FinishReason } from "../../canonical/chat.ts";
import type { ChunkBuilder } from "./chunk-builder.ts";
import { finishForToolCount } from "./tool-finish.ts";

/** Kind of one block. Ignored: server tools, unknown types, JSON-mode calls after the first. */
export type BlockState =
  | { kind: "text" | "thinking" | "ignored" }
  | { kind: "tool"; toolIndex: number; sentArguments: boolean }
  | { kind: "json"; sentArguments: boolean };

export class ToolCallBlocks {
  private readonly blocks = new Map<number, BlockState>();
  private toolCount = 0;
  private jsonSeen = false;
  /** Text held back in JSON mode until it is known whether the JSON tool follows. */
  private heldText = "";

  /** `jsonTool` is the JSON-mode tool's name, or null when the request is not in JSON mode. */
  constructor(
    private readonly chunks: ChunkBuilder,
    private readonly jsonTool: string | null,
  ) {}

  get(index: number): BlockState | undefined {
    return this.blocks.get(index);
  }

  set(index: number, kind: "text" | "thinking" | "ignored"): void {
    this.blocks.set(index, { kind });
  }

  /** Opens a tool call block. `initial` is argument text that came with the start, if any. */
  startTool(index: number, id: string, name: string, initial: string): ChatChunk[] {
    if (name === this.jsonTool) {
      if (this.jsonSeen) {
        this.set(index, "ignored");
        return [];
      }
      // The JSON tool call becomes the content, so text the model wrote before it is dropped.
      this.jsonSeen = true;
      this.heldText = "";
      this.blocks.set(index, { kind: "json", sentArguments: initial !== "" });
      return initial === "" ? [] : [this.chunks.chunk({ content: initial })];
    }

    const toolIndex = this.toolCount++;
    this.blocks.set(index, { kind: "tool", toolIndex, sentArguments: initial !== "" });
    const call = { index: toolIndex, id, type: "function" as const };
    const delta = { ...call, function: { name, arguments: initial } };
    return [this.chunks.chunk({ tool_calls: [delta] })];
  }

  /** Sends a piece of the arguments, as content for the JSON tool or else as the call's delta. */
  argumentChunks(index: number, text: string): ChatChunk[] {
    const state = this.blocks.get(index);
    if (text === "" || state === undefined) return [];
    if (state.kind === "json") {
      state.sentArguments = true;
      return [this.chunks.chunk({ content: text })];
    }
    if (state.kind !== "tool") return [];

    state.sentArguments = true;
    const call = { index: state.toolIndex, function: { arguments: text } };
    return [this.chunks.chunk({ tool_calls: [call] })];
  }

  /** Sends "{}" for a tool call that streamed no arguments, so clients can parse them. */
  stopChunks(index: number): ChatChunk[] {
    const state = this.blocks.get(index);
    if (state === undefined || (state.kind !== "tool" && state.kind !== "json")) return [];
    return state.sentArguments ? [] : this.argumentChunks(index, "{}");
  }

  /** Text goes out at once, except in JSON mode, where it waits for the JSON tool. */
  textChunks(text: string): ChatChunk[] {
    if (text === "") return [];
    if (this.jsonTool !== null) {
      if (!this.jsonSeen) this.heldText += text;
      return [];
    }
    return [this.chunks.chunk({ content: text })];
  }

  /** Chunks for JSON-mode text held back when the JSON tool never came. */
  heldTextChunks(): ChatChunk[] {
    if (this.jsonTool === null || this.jsonSeen || this.heldText === "") return [];
    return [this.chunks.chunk({ content: this.heldText })];
  }

  /** Maps `tool_calls` to "stop" when no call reached the client (see finishForToolCount). */
  finishReason(reason: FinishReason): FinishReason {
    return finishForToolCount(reason, this.toolCount);
  }
}
