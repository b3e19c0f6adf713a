/**
 * Facts about the provider format a request goes to, for the translation. The codecs
 * take the canonical shape for every provider, but three Anthropic fields have no field that
 * every codec reads, so the translation decides per provider type.
 */
export interface TargetFormat {
  /** Provider type from the config (`openai`, `gemini`, `deepseek`, …). */
  type: string;
  /** Whether the codec sends `top_k` on; the Gemini and Cohere codecs map it to their own. */
  topK: boolean;
  /**
   * Whether earlier thinking goes back as `reasoning_content` and `reasoning_details` on the
   * assistant message. OpenAI validates message fields and has no such field, so it is dropped
   * for the OpenAI and Azure formats. The other codecs read it (Gemini its signatures, Cohere
   * its text) or pass it on to providers that define it (DeepSeek, Moonshot, GLM).
   */
  replaysReasoning: boolean;
  /**
   * Whether the output limit goes in `max_completion_tokens`. OpenAI's reasoning models reject
   * `max_tokens`, while OpenAI-compatible providers document `max_tokens` only.
   */
  maxCompletionTokens: boolean;
}

const OPENAI_FORMATS = new Set(["openai", "azure"]);
const TOP_K_FORMATS = new Set(["gemini", "cohere"]);

export function targetFormat(type: string): TargetFormat {
  const openai = OPENAI_FORMATS.has(type);
  return {
    type,
    topK: TOP_K_FORMATS.has(type),
    replaysReasoning: !openai,
    maxCompletionTokens: openai,
  };
}
