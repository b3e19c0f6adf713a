import { mergeUsage, toUsage } from "../../../../runtime/providers/anthropic/usage.ts";
import type { AnthropicUsage } from "../../../../runtime/providers/anthropic/wire.ts";
import type { RequestRecord } from "../request-record.ts";
import type { MessagesEvent } from "./messages-events.ts";

/**
 * Feeds the usage of one Messages stream to its record. `message_start` carries the input
 * counts, and each `message_delta` carries cumulative counts, so the last one contains the final
 * output count. Output text is counted too, for time to first token and for the estimate the
 * record makes when a stream ends before any usage report.
 */
export class StreamUsage {
  #usage: AnthropicUsage = {};
  #final = false;

  constructor(private readonly record: RequestRecord) {}

  observe(event: MessagesEvent): void {
    const { type, payload } = event;
    if (type === "message_start" && isRecord(payload.message)) {
      // Kept as partial usage, so a stream that fails later still records the real input.
      if (this.#merge(payload.message.usage)) this.record.setPartialUsage(toUsage(this.#usage));
    } else if (type === "message_delta" && this.#merge(payload.usage)) {
      this.#final = true;
      this.record.setUsage(toUsage(this.#usage));
    } else if (type === "content_block_start" || type === "content_block_delta") {
      this.#addOutput(outputLength(payload));
    }
  }

  /** Records the `message_start` usage when the stream finished without a `message_delta`. */
  settle(): void {
    if (!this.#final) this.record.setUsage(toUsage(this.#usage));
  }

  #merge(usage: unknown): boolean {
    if (!isRecord(usage)) return false;
    this.#usage = mergeUsage(this.#usage, usage as AnthropicUsage);
    return true;
  }

  #addOutput(length: number): void {
    if (length === 0) return;
    this.record.markFirstToken();
    this.record.addOutputChars(length);
  }
}

/** Characters of generated text, thinking or tool input that a content block event carries. */
function outputLength(payload: Record<string, unknown>): number {
  const part = payload.delta ?? payload.content_block;
  if (!isRecord(part)) return 0;

  let length = 0;
  for (const field of ["text", "thinking", "partial_json"]) {
    const value = part[field];
    if (typeof value === "string") length += value.length;
  }
  return length;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
