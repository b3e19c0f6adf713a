/**
 * Turns canonical chunks into Anthropic stream events: `message_start`, then for each content
 * block `content_block_start`, its deltas (`thinking_delta`, `signature_delta`, `text_delta`,
 * `input_json_delta`) and `content_block_stop`, then `message_delta` with the stop reason and
 * usage, and `message_stop`. One block is open at a time, as in Anthropic's own streams, so a
 * change of kind (thinking to text, text to a tool call) closes the block before it.
 */

import type {
  ChatChunk,
  ChunkDelta,
  FinishReason,
  ReasoningDetail,
  ToolCallDelta,
  Usage,
} from "../../../../runtime/canonical/chat.ts";
import { newMessageId, toolUseId } from "./message-id.ts";
import { frameEvent } from "./sse-event.ts";
import { toStopReason } from "./stop-reason.ts";
import { messageUsageObject, toMessageUsage } from "./usage.ts";

/** The parts of the request record the encoder feeds. */
export interface StreamAccounting {
  setUsage(usage: Usage | undefined): void;
  setPartialUsage(usage: Usage): void;
  markFirstToken(): void;
  addOutputChars(count: number): void;
}

type BlockKind = "text" | "thinking" | "tool_use";

export class MessageStreamEncoder {
  readonly #id = newMessageId();
  #started = false;
  #nextIndex = 0;
  #open: { kind: BlockKind; index: number } | null = null;
  /** Block index of each tool call, by the canonical tool call index. */
  readonly #toolBlocks = new Map<number, number>();
  #finish: FinishReason | null = null;
  #usage: Usage | null = null;

  constructor(
    private readonly clientModel: string,
    private readonly accounting: StreamAccounting,
  ) {}

  /** Returns the events for one chunk, or "" when it carries nothing for the client. */
  encode(chunk: ChatChunk): string {
    if (chunk.usage_partial === true) {
      if (chunk.usage) this.accounting.setPartialUsage(chunk.usage);
      return "";
    }
    // The codec's trailing usage chunk; its usage is null when the provider reported none.
    if ("usage" in chunk && (chunk.choices.length === 0 || chunk.usage)) {
      this.#usage = chunk.usage ?? null;
      this.accounting.setUsage(chunk.usage ?? undefined);
    }

    const choice = chunk.choices[0];
    if (choice === undefined) return "";
    let events = this.#start();
    events += this.#encodeDelta(choice.delta ?? {});
    if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
      this.#finish = choice.finish_reason;
    }
    return events;
  }

  /** Returns the events that end a stream whose source finished normally. */
  end(): string {
    let events = this.#start() + this.#closeBlock();
    events += frameEvent("message_delta", {
      type: "message_delta",
      delta: { stop_reason: toStopReason(this.#finish), stop_sequence: null },
      // NOTE: a provider that reported no usage gets zero counts here; the traffic event
      // carries the gateway's estimate instead.
      usage: { ...toMessageUsage(this.#usage), server_tool_use: null },
    });
    return events + frameEvent("message_stop", { type: "message_stop" });
  }

  #start(): string {
    if (this.#started) return "";
    this.#started = true;
    return frameEvent("message_start", {
      type: "message_start",
      message: {
        id: this.#id,
        type: "message",
        role: "assistant",
        model: this.clientModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // Input counts arrive with the provider's final usage, in message_delta.
        usage: messageUsageObject(this.#usage),
      },
    });
  }

  #encodeDelta(delta: ChunkDelta): string {
    let events = "";
    if (typeof delta.reasoning_content === "string" && delta.reasoning_content !== "") {
      events += this.#thinkingText(delta.reasoning_content);
    }
    for (const detail of delta.reasoning_details ?? []) events += this.#reasoningDetail(detail);
    for (const text of [delta.content, delta.refusal]) {
      if (typeof text === "string" && text !== "") events += this.#text(text);
    }
    for (const call of delta.tool_calls ?? []) events += this.#toolCall(call);
    return events;
  }

  #thinkingText(thinking: string): string {
    this.#countOutput(thinking.length);
    return this.#ensureBlock("thinking", { type: "thinking", thinking: "", signature: "" }) +
      this.#delta({ type: "thinking_delta", thinking });
  }

  #reasoningDetail(detail: ReasoningDetail): string {
    if (detail.type === "redacted_thinking" && typeof detail.data === "string") {
      // A redacted block arrives whole, so it opens and closes at once.
      const block = { type: "redacted_thinking", data: detail.data };
      return this.#closeBlock() + this.#openBlock("thinking", block) + this.#closeBlock();
    }
    let events = "";
    if (typeof detail.thinking === "string" && detail.thinking !== "") {
      events += this.#thinkingText(detail.thinking);
    }
    if (typeof detail.signature === "string" && detail.signature !== "") {
      events += this.#ensureBlock("thinking", { type: "thinking", thinking: "", signature: "" });
      events += this.#delta({ type: "signature_delta", signature: detail.signature });
    }
    return events;
  }

  #text(text: string): string {
    this.#countOutput(text.length);
    return this.#ensureBlock("text", { type: "text", text: "" }) +
      this.#delta({ type: "text_delta", text });
  }

  /**
   * Opens a tool_use block for a call seen first, and streams its argument text as
   * `input_json_delta`. Providers stream calls one after another, so arguments go to the open
   * block. NOTE: arguments for a call whose block was already stopped (two calls interleaved)
   * are sent at that block's index, which the Anthropic SDK accepts but the protocol does not.
   */
  #toolCall(call: ToolCallDelta): string {
    let events = "";
    let index = this.#toolBlocks.get(call.index);
    if (index === undefined) {
      const name = call.function?.name ?? "";
      const block = { type: "tool_use", id: toolUseId(call.id), name, input: {} };
      events += this.#closeBlock() + this.#openBlock("tool_use", block);
      index = this.#nextIndex - 1;
      this.#toolBlocks.set(call.index, index);
      this.#countOutput(name.length);
    }

    const partial = call.function?.arguments ?? "";
    if (partial === "") return events;
    this.#countOutput(partial.length);
    const delta = { type: "input_json_delta", partial_json: partial };
    const event = { type: "content_block_delta", index, delta };
    return events + frameEvent("content_block_delta", event);
  }

  #ensureBlock(kind: BlockKind, block: Record<string, unknown>): string {
    if (this.#open?.kind === kind) return "";
    return this.#closeBlock() + this.#openBlock(kind, block);
  }

  #openBlock(kind: BlockKind, block: Record<string, unknown>): string {
    const index = this.#nextIndex++;
    this.#open = { kind, index };
    return frameEvent("content_block_start", {
      type: "content_block_start",
      index,
      content_block: block,
    });
  }

  #closeBlock(): string {
    if (this.#open === null) return "";
    const { index } = this.#open;
    this.#open = null;
    return frameEvent("content_block_stop", { type: "content_block_stop", index });
  }

  #delta(delta: Record<string, unknown>): string {
    const index = this.#open?.index ?? 0;
    return frameEvent("content_block_delta", { type: "content_block_delta", index, delta });
  }

  #countOutput(length: number): void {
    if (length === 0) return;
    this.accounting.markFirstToken();
    this.accounting.addOutputChars(length);
  }
}
