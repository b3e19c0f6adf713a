/**
 * Provider-shaped identifiers (`msg_01…`, `toolu_01…`, `chatcmpl-…`, `call_…`, Gemini
 * response ids, Cohere UUIDs, request ids).
 * They come from a hash of a per-simulator counter, so one simulator run produces the same
 * sequence every time, and no two responses of a run share an id.
 */

import { createHash } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export class IdSource {
  #counter = 0;

  /** `length` base62 characters drawn from the next hash in the sequence. */
  base62(length: number): string {
    return this.#bytes(length).reduce((text, byte) => text + BASE62[byte % 62], "");
  }

  hex(length: number): string {
    return Buffer.from(this.#bytes(Math.ceil(length / 2)))
      .toString("hex")
      .slice(0, length);
  }

  /** Lengths below match ids seen in recorded provider responses. */
  anthropicMessage(): string {
    return `msg_01${this.base62(22)}`;
  }

  anthropicToolUse(): string {
    return `toolu_01${this.base62(22)}`;
  }

  anthropicRequest(): string {
    return `req_011C${this.base62(20)}`;
  }

  openaiCompletion(): string {
    return `chatcmpl-${this.base62(29)}`;
  }

  openaiToolCall(): string {
    return `call_${this.base62(24)}`;
  }

  openaiRequest(): string {
    return `req_${this.hex(32)}`;
  }

  geminiResponse(): string {
    return this.base62(22);
  }

  /** Cohere's message, embedding and request ids are UUIDs in their 8-4-4-4-12 hex form. */
  cohereUuid(): string {
    const hex = this.hex(32);
    const groups = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20)];
    return [...groups, hex.slice(20)].join("-");
  }

  /** Cohere names tool calls after the tool, e.g. `get_weather_k88p0m8504w5`. */
  cohereToolCall(name: string): string {
    return `${name}_${this.hex(12)}`;
  }

  reset(): void {
    this.#counter = 0;
  }

  #bytes(count: number): Uint8Array {
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      this.#counter += 1;
      const digest = createHash("sha256").update(`nexus-simulator:${this.#counter}`).digest();
      const take = Math.min(digest.length, count - filled);
      out.set(digest.subarray(0, take), filled);
      filled += take;
    }
    return out;
  }
}
