/**
 * Differences of one OpenAI-compatible provider from OpenAI's Chat Completions API, as data.
 * The compat codec reads a profile and wraps the OpenAI codec with it.
 */
export interface CompatProfile {
  /** Provider `type` in the config. */
  readonly type: string;
  /** Public API base of the provider, for documentation only: requests use the config's baseUrl. */
  readonly defaultBaseUrl: string;
  /** `bearer` sends `Authorization: Bearer <apiKey>`, as the OpenAI codec does. */
  readonly auth: "bearer";
  /**
   * Field of a message or delta that carries the model's reasoning text. When it is not
   * `reasoning_content`, the codec renames it to `reasoning_content`. Null when the provider
   * sends no such field.
   */
  readonly reasoningField: string | null;
  /** Usage field with the prompt tokens read from the provider's cache, when not OpenAI's. */
  readonly cachedTokensField: string | null;
  /** Usage field with the prompt tokens not read from cache; kept as sent. */
  readonly cacheMissTokensField: string | null;
  /**
   * Whether `completion_tokens` leaves out `completion_tokens_details.reasoning_tokens`. OpenAI
   * counts reasoning in `completion_tokens`, so the codec adds it back for such providers.
   */
  readonly reasoningOutsideCompletion?: boolean;
  /** Index of the first streamed tool call. Indices pass through as sent in either case. */
  readonly toolCallIndexBase: 0 | 1;
  /** Whether `n > 1` can be sent upstream. */
  readonly supportsN: boolean;
  /** Request fields removed before sending, because the provider rejects them. */
  readonly dropParams: readonly string[];
  /** Whether the provider serves `/embeddings` in the OpenAI shape. */
  readonly embeddings: boolean;
  /** Request fields set before sending when the client did not set them. */
  readonly defaultParams?: Readonly<Record<string, unknown>>;
  /**
   * `thinking.type` to send for each `reasoning_effort` value, for providers that switch
   * reasoning with a `thinking: {type}` object in place of `reasoning_effort`. When set, the
   * codec removes `reasoning_effort`; a value missing from the table is sent as no field.
   */
  readonly thinkingByEffort?: Readonly<Record<string, "enabled" | "disabled">>;
  /**
   * Field of a message or delta with an array of reasoning parts, each with a `text` string.
   * The codec joins the texts into `reasoning_content`.
   */
  readonly reasoningPartsField?: string;
  /**
   * Whether answers may carry `content` as an array of `text` and `thinking` parts. The codec
   * turns the text into a `content` string and the thinking into `reasoning_content`.
   */
  readonly contentThinkingParts?: boolean;
  /**
   * Whether the provider reports usage in its last stream chunk without being asked and
   * rejects `stream_options`, which OpenAI's API defines and strict servers do not.
   */
  readonly streamUsageUnasked?: boolean;
}

/**
 * OpenAI account features (stored completions, prompt-cache routing, abuse tracking) that other
 * providers do not define. Strict servers reject unknown fields, so compat profiles drop them.
 */
export const OPENAI_ACCOUNT_FIELDS: readonly string[] = [
  "store",
  "prompt_cache_key",
  "prompt_cache_options",
  "prompt_cache_retention",
  "safety_identifier",
  "moderation",
];
