import type { ChatChunk, Usage } from "../../canonical/chat.ts";

/*
 * Collects usage so that a decoded stream ends with exactly one `choices: []` chunk carrying it.
 * OpenAI sends that chunk itself when `include_usage` is set. Groq, Mistral, DeepSeek and
 * OpenRouter put usage on a chunk that also has choices, and some servers send none at all.
 */

/** Top-level fields copied onto a usage chunk the collector builds itself. */
const ENVELOPE_FIELDS = ["id", "object", "created", "model", "system_fingerprint", "service_tier"];

export class StreamUsageCollector {
  private usageChunk: ChatChunk | null = null;
  private lastChunk: ChatChunk | null = null;

  constructor(private readonly clientModel: string) {}

  /**
   * Takes one decoded chunk and returns what to yield now: the chunk unchanged, the chunk with
   * `usage: null` when its usage was split off, or null for a usage-only chunk, which is held
   * back until the end. A later usage replaces an earlier one, because compatible servers that
   * repeat usage send running totals.
   */
  take(chunk: ChatChunk): ChatChunk | null {
    this.lastChunk = chunk;
    if (chunk.usage === undefined || chunk.usage === null) return chunk;

    if (chunk.choices.length === 0) {
      this.usageChunk = chunk;
      return null;
    }
    this.usageChunk = this.buildUsageChunk(chunk, chunk.usage);
    return { ...chunk, usage: null };
  }

  /** Returns the usage chunk held back so far, or null when no chunk carried usage. */
  heldUsageChunk(): ChatChunk | null {
    return this.usageChunk;
  }

  /**
   * Returns the chunk that ends the stream. When the upstream reported no usage, it carries
   * `usage: null`, so the gateway can tell missing usage from a real count of zero.
   */
  finalChunk(): ChatChunk {
    if (this.usageChunk !== null) return this.usageChunk;

    // NOTE: `usage: null` bends the codec contract, which promises usage on the last chunk.
    // Zero counts would settle quota as free, so the gap stays visible instead.
    return this.buildUsageChunk(this.lastChunk, null);
  }

  /** Builds a `choices: []` chunk with the envelope fields of `source`, when there is one. */
  private buildUsageChunk(source: ChatChunk | null, usage: Usage | null): ChatChunk {
    const chunk: ChatChunk = {
      id: "",
      object: "chat.completion.chunk",
      created: Math.floor(Date.now() / 1000),
      model: this.clientModel,
      choices: [],
      usage,
    };
    if (source === null) return chunk;

    for (const field of ENVELOPE_FIELDS) {
      if (source[field] !== undefined) chunk[field] = source[field];
    }
    return chunk;
  }
}
