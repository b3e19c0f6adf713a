import type {
  ChatChunk,
  FinishReason,
  ReasoningDetail,
  ToolCallDelta,
  Usage,
} from "../../../../runtime/canonical/chat.ts";
import type { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import { buildResponseObject, type ResponseEnvelope, statusFor } from "./envelope.ts";
import {
  functionCallItem,
  messageItem,
  outputTextPart,
  reasoningItem,
} from "./encode-response.ts";
import { responsesErrorEvent } from "./error-event.ts";
import { newItemId } from "./ids.ts";
import { frameNamedEvent } from "./sse-frame.ts";

interface ReasoningState {
  kind: "reasoning";
  id: string;
  outputIndex: number;
  text: string;
  /** Thinking text not yet paired with the signature that follows it in the stream. */
  unsigned: string;
  details: ReasoningDetail[];
  partOpen: boolean;
}

interface MessageState {
  kind: "message";
  id: string;
  outputIndex: number;
  text: string;
  refusal: string | null;
}

interface CallState {
  kind: "function_call";
  id: string;
  outputIndex: number;
  callId: string;
  name: string;
  args: string;
}

type ItemState = ReasoningState | MessageState | CallState;

/**
 * Turns canonical chat chunks into the Responses event sequence: `response.created` and
 * `response.in_progress`, then per output item `response.output_item.added`, its part and
 * delta events and `response.output_item.done`, and finally `response.completed` (or
 * `response.incomplete` for a cut-off answer). Items are opened in the order their first
 * delta arrives and closed when another item starts, as OpenAI streams them one at a time.
 * Every event carries the next `sequence_number`.
 */
export class ResponsesStreamWriter {
  #sequence = 0;
  #started = false;
  #open: ItemState | null = null;
  readonly #output: Record<string, unknown>[] = [];
  readonly #calls = new Map<number, CallState>();
  #finishReason: FinishReason | null = null;
  #usage: Usage | undefined;

  constructor(private readonly envelope: ResponseEnvelope) {}

  /** Returns the events for one chunk, which may be none. */
  chunk(chunk: ChatChunk): string {
    let text = this.#start();
    const choice = chunk.choices[0];
    if (choice === undefined) return text;

    const delta = choice.delta;
    if (typeof delta.reasoning_content === "string" && delta.reasoning_content !== "") {
      text += this.#reasoningText(delta.reasoning_content);
    }
    if (delta.reasoning_details !== undefined && delta.reasoning_details.length > 0) {
      text += this.#reasoningDetails(delta.reasoning_details);
    }
    if (typeof delta.content === "string" && delta.content !== "") {
      text += this.#messageText(delta.content);
    }
    if (typeof delta.refusal === "string" && delta.refusal !== "") {
      // NOTE: refusal text reaches the client in the message item's `refusal` part when the
      // item is done; no `response.refusal.delta` events are sent for it.
      text += this.#ensureMessage();
      const message = this.#open as MessageState;
      message.refusal = (message.refusal ?? "") + delta.refusal;
    }
    for (const call of delta.tool_calls ?? []) text += this.#toolCall(call);
    if (choice.finish_reason !== null) this.#finishReason = choice.finish_reason;
    return text;
  }

  setUsage(usage: Usage | undefined): void {
    this.#usage = usage;
  }

  /** Returns the events that end a stream whose chunks all arrived. */
  finish(): string {
    let text = this.#start() + this.#closeOpen();
    const status = statusFor(this.#finishReason);
    const response = buildResponseObject(this.envelope, status, this.#output, {
      usage: this.#usage,
      finishReason: this.#finishReason,
    });
    const type = status === "incomplete" ? "response.incomplete" : "response.completed";
    text += this.#event(type, { response });
    return text;
  }

  /** Returns the in-band `error` event for a failure after the first byte. */
  error(failure: NexusError, requestId: string): string {
    return responsesErrorEvent(failure, requestId, this.#sequence++);
  }

  #start(): string {
    if (this.#started) return "";
    this.#started = true;
    const response = buildResponseObject(this.envelope, "in_progress", []);
    return this.#event("response.created", { response }) +
      this.#event("response.in_progress", { response });
  }

  #event(type: string, fields: Record<string, unknown>): string {
    const data = { type, ...fields, sequence_number: this.#sequence++ };
    return frameNamedEvent(type, JSON.stringify(data));
  }

  #added(state: ItemState, item: Record<string, unknown>): string {
    this.#open = state;
    this.#output.push(item);
    return this.#event("response.output_item.added", { output_index: state.outputIndex, item });
  }

  #reasoningText(delta: string): string {
    let text = "";
    if (this.#open?.kind !== "reasoning") text += this.#openReasoning();
    const state = this.#open as ReasoningState;
    const where = { item_id: state.id, output_index: state.outputIndex, summary_index: 0 };
    if (!state.partOpen) {
      state.partOpen = true;
      text += this.#event("response.reasoning_summary_part.added",
        { ...where, part: { type: "summary_text", text: "" } });
    }
    state.text += delta;
    state.unsigned += delta;
    return text + this.#event("response.reasoning_summary_text.delta", { ...where, delta });
  }

  /**
   * Keeps thinking blocks with their signatures. A stream sends a block's text first and its
   * signature afterwards as a detail without text, so the text since the last block is
   * attached to it.
   */
  #reasoningDetails(details: ReasoningDetail[]): string {
    const text = this.#open?.kind === "reasoning" ? "" : this.#openReasoning();
    const state = this.#open as ReasoningState;
    for (const detail of details) {
      if (detail.type === "thinking" && detail.thinking === undefined) {
        const { signature } = detail;
        state.details.push({ type: "thinking", thinking: state.unsigned, signature });
      } else {
        state.details.push(detail);
      }
      state.unsigned = "";
    }
    return text;
  }

  #openReasoning(): string {
    const text = this.#closeOpen();
    const state: ReasoningState = {
      kind: "reasoning", id: newItemId("rs"), outputIndex: this.#output.length,
      text: "", unsigned: "", details: [], partOpen: false,
    };
    const item = { id: state.id, type: "reasoning", summary: [], status: "in_progress" };
    return text + this.#added(state, item);
  }

  #ensureMessage(): string {
    if (this.#open?.kind === "message") return "";
    let text = this.#closeOpen();
    const state: MessageState = {
      kind: "message", id: newItemId("msg"), outputIndex: this.#output.length,
      text: "", refusal: null,
    };
    const item = { id: state.id, type: "message", status: "in_progress", role: "assistant",
      content: [] };
    text += this.#added(state, item);
    return text + this.#event("response.content_part.added", {
      item_id: state.id, output_index: state.outputIndex, content_index: 0,
      part: outputTextPart(""),
    });
  }

  #messageText(delta: string): string {
    const text = this.#ensureMessage();
    const state = this.#open as MessageState;
    state.text += delta;
    return text + this.#event("response.output_text.delta", {
      item_id: state.id, output_index: state.outputIndex, content_index: 0, delta, logprobs: [],
    });
  }

  #toolCall(call: ToolCallDelta): string {
    let text = "";
    let state = this.#calls.get(call.index);
    if (state === undefined) {
      text += this.#closeOpen();
      state = {
        kind: "function_call", id: newItemId("fc"), outputIndex: this.#output.length,
        callId: call.id ?? `call_${crypto.randomUUID().replaceAll("-", "")}`,
        name: call.function?.name ?? "", args: "",
      };
      this.#calls.set(call.index, state);
      text += this.#added(state,
        functionCallItem(state.id, state.callId, state.name, "", "in_progress"));
    }

    const piece = call.function?.arguments ?? "";
    if (piece === "") return text;
    state.args += piece;
    // NOTE: a delta for a call that is already closed (providers that interleave parallel
    // calls) only reaches the final `response.completed` output, not a delta event.
    if (this.#open !== state) return text;
    return text + this.#event("response.function_call_arguments.delta", {
      item_id: state.id, output_index: state.outputIndex, delta: piece,
    });
  }

  #closeOpen(): string {
    const state = this.#open;
    if (state === null) return "";
    this.#open = null;
    const item = this.#doneItem(state);
    this.#output[state.outputIndex] = item;
    return this.#doneEvents(state) +
      this.#event("response.output_item.done", { output_index: state.outputIndex, item });
  }

  #doneItem(state: ItemState): Record<string, unknown> {
    switch (state.kind) {
      case "reasoning":
        return reasoningItem(state.text, state.details, state.id) ??
          { id: state.id, type: "reasoning", summary: [], status: "completed" };
      case "message": {
        const status = statusFor(this.#finishReason) === "incomplete" ? "incomplete" : "completed";
        return messageItem(state.id, state.text, state.refusal, status);
      }
      case "function_call":
        return functionCallItem(state.id, state.callId, state.name, state.args, "completed");
    }
  }

  #doneEvents(state: ItemState): string {
    const where = { item_id: state.id, output_index: state.outputIndex };
    switch (state.kind) {
      case "reasoning": {
        if (!state.partOpen) return "";
        const part = { type: "summary_text", text: state.text };
        return this.#event("response.reasoning_summary_text.done",
          { ...where, summary_index: 0, text: state.text }) +
          this.#event("response.reasoning_summary_part.done", { ...where, summary_index: 0, part });
      }
      case "message": {
        const at = { ...where, content_index: 0 };
        return this.#event("response.output_text.done", { ...at, text: state.text, logprobs: [] }) +
          this.#event("response.content_part.done", { ...at, part: outputTextPart(state.text) });
      }
      case "function_call":
        return this.#event("response.function_call_arguments.done",
          { ...where, name: state.name, arguments: state.args });
    }
  }
}
