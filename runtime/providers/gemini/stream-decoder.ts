/**
 * Turns Gemini stream events (each a whole `GenerateContentResponse` holding the next slice of
 * every candidate) into `chat.completion.chunk`s. One decoder serves one stream, and `handle`
 * receives its events in order. Gemini sends no end marker: the stream is complete when it
 * closes after every candidate reported a finishReason.
 */

import type { ChatChunk, ChunkDelta, ToolCallDelta } from "../../canonical/chat.ts";
import type { DecodeContext } from "../codec.ts";
import { ChunkBuilder } from "../shared/chunk-builder.ts";
import { errorFromStream } from "./decode-error.ts";
import { toFinishReason } from "./finish-reason.ts";
import { PartialArgs } from "./partial-args.ts";
import { signatureDetail } from "./thought-signature.ts";
import { toUsage } from "./usage.ts";
import type { GeminiCandidate, GeminiFunctionCall, GeminiPart, GeminiUsage } from "./wire.ts";

/** A function call whose arguments are still arriving in `partialArgs` pieces. */
interface PendingCall {
  name: string;
  args: PartialArgs;
  signature?: string;
}

interface ChoiceState {
  toolCount: number;
  pending: PendingCall | null;
  finished: boolean;
}

type SignedDelta = ToolCallDelta & { extra_content?: { google: { thought_signature: string } } };

export class StreamDecoder {
  private readonly chunks: ChunkBuilder;
  private usage: GeminiUsage = {};
  private readonly choices = new Map<number, ChoiceState>();

  constructor(context: DecodeContext) {
    this.chunks = new ChunkBuilder(context.clientModel);
  }

  /** Returns the chunks for one event; throws the mapped NexusError for an error event. */
  handle(payload: Record<string, unknown>): ChatChunk[] {
    if (payload.error !== undefined) throw errorFromStream(payload);
    if (this.chunks.id === "" && typeof payload.responseId === "string") {
      this.chunks.id = payload.responseId;
    }
    this.mergeUsage(payload.usageMetadata as GeminiUsage | undefined);

    const candidates = Array.isArray(payload.candidates)
      ? (payload.candidates as GeminiCandidate[])
      : [];
    const feedback = payload.promptFeedback as { blockReason?: string } | undefined;
    if (candidates.length === 0 && feedback?.blockReason !== undefined) return this.blocked();

    return candidates.flatMap((candidate, position) =>
      this.onCandidate(candidate, candidate.index ?? position),
    );
  }

  /** Whether every candidate that appeared has finished, so a clean close ends a whole response. */
  get complete(): boolean {
    if (this.choices.size === 0) return false;
    return [...this.choices.values()].every((choice) => choice.finished);
  }

  /** Builds the closing chunk with the usage and no choices. */
  usageChunk(partial = false): ChatChunk {
    return this.chunks.usageChunk(toUsage(this.usage), partial);
  }

  /** Whether Gemini reported any counts, so a partial usage chunk is worth recording. */
  get hasUsage(): boolean {
    return typeof this.usage.promptTokenCount === "number";
  }

  private onCandidate(candidate: GeminiCandidate, index: number): ChatChunk[] {
    const chunks: ChatChunk[] = [];
    const state = this.stateFor(index, chunks);
    if (state.finished) return chunks;

    for (const part of candidate.content?.parts ?? []) {
      chunks.push(...this.onPart(part, index, state));
    }
    if (candidate.finishReason !== undefined) {
      chunks.push(...this.flushPending(index, state));
      state.finished = true;
      const reason = toFinishReason(candidate.finishReason, state.toolCount > 0);
      chunks.push(this.chunks.chunk({}, reason, index));
    }
    return chunks;
  }

  /** Creates the state of a new candidate and puts its role chunk first. */
  private stateFor(index: number, chunks: ChatChunk[]): ChoiceState {
    let state = this.choices.get(index);
    if (state === undefined) {
      state = { toolCount: 0, pending: null, finished: false };
      this.choices.set(index, state);
      chunks.push(this.chunks.chunk({ role: "assistant", content: "" }, null, index));
    }
    return state;
  }

  private onPart(part: GeminiPart, index: number, state: ChoiceState): ChatChunk[] {
    if (part.functionCall !== undefined) {
      return this.onFunctionCall(part.functionCall, part.thoughtSignature, index, state);
    }

    const chunks: ChatChunk[] = [];
    if (typeof part.text === "string" && part.text !== "") {
      const delta: ChunkDelta =
        part.thought === true ? { reasoning_content: part.text } : { content: part.text };
      chunks.push(this.chunks.chunk(delta, null, index));
    }
    const signature = part.thoughtSignature;
    if (typeof signature === "string" && signature !== "") {
      const delta = { reasoning_details: [signatureDetail(signature)] };
      chunks.push(this.chunks.chunk(delta, null, index));
    }
    return chunks;
  }

  /**
   * Sends a whole call at once. A streamed call opens with its name and `willContinue`, then
   * gathers `partialArgs` until a call part no longer continues. It is sent whole at that
   * point, because a JSON path piece cannot be forwarded as argument text.
   */
  private onFunctionCall(
    call: GeminiFunctionCall,
    signature: string | undefined,
    index: number,
    state: ChoiceState,
  ): ChatChunk[] {
    const pending = state.pending;
    if (pending === null && call.willContinue !== true) {
      const args = JSON.stringify(call.args ?? {});
      return [this.toolChunk(index, state, call.name ?? "", args, signature, call.id)];
    }

    const open = pending ?? { name: "", args: new PartialArgs() };
    state.pending = open;
    if (typeof call.name === "string" && open.name === "") open.name = call.name;
    if (typeof signature === "string" && signature !== "") open.signature = signature;
    for (const piece of call.partialArgs ?? []) open.args.add(piece);

    return call.willContinue === true ? [] : this.flushPending(index, state);
  }

  private flushPending(index: number, state: ChoiceState): ChatChunk[] {
    const pending = state.pending;
    if (pending === null) return [];
    state.pending = null;
    return [this.toolChunk(index, state, pending.name, pending.args.json(), pending.signature)];
  }

  private toolChunk(
    index: number,
    state: ChoiceState,
    name: string,
    args: string,
    signature: string | undefined,
    id?: string,
  ): ChatChunk {
    const toolIndex = state.toolCount++;
    const delta: SignedDelta = {
      index: toolIndex,
      id: id ?? `call_${toolIndex}`,
      type: "function",
      function: { name, arguments: args },
    };
    if (signature !== undefined && signature !== "") {
      delta.extra_content = { google: { thought_signature: signature } };
    }
    return this.chunks.chunk({ tool_calls: [delta] }, null, index);
  }

  private blocked(): ChatChunk[] {
    const chunks: ChatChunk[] = [];
    const state = this.stateFor(0, chunks);
    if (state.finished) return chunks;
    state.finished = true;
    chunks.push(this.chunks.chunk({}, "content_filter"));
    return chunks;
  }

  /** Merges an event's counts, which repeat the totals so far. An absent field keeps its value. */
  private mergeUsage(update: GeminiUsage | undefined): void {
    if (typeof update !== "object" || update === null) return;
    for (const [field, value] of Object.entries(update)) {
      if (value !== null && value !== undefined) this.usage[field] = value;
    }
  }
}
