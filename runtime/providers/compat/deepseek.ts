import { OPENAI_ACCOUNT_FIELDS, type CompatProfile } from "./profile.ts";

/** DeepSeek: reasoning in `reasoning_content`, cache hits in `prompt_cache_hit_tokens`. */
export const deepseekProfile: CompatProfile = {
  type: "deepseek",
  defaultBaseUrl: "https://api.deepseek.com",
  auth: "bearer",
  reasoningField: "reasoning_content",
  cachedTokensField: "prompt_cache_hit_tokens",
  cacheMissTokensField: "prompt_cache_miss_tokens",
  toolCallIndexBase: 0,
  // NOTE: DeepSeek's API reference lists no `n` parameter.
  supportsN: false,
  dropParams: OPENAI_ACCOUNT_FIELDS,
  embeddings: false,
};
