import { OPENAI_ACCOUNT_FIELDS, type CompatProfile } from "./profile.ts";

/**
 * Groq: with `reasoning_format: "parsed"` the reasoning arrives in `reasoning`. Groq's docs
 * list `logprobs`, `logit_bias` and `top_logprobs` as unsupported, and `n` must be 1.
 */
export const groqProfile: CompatProfile = {
  type: "groq",
  defaultBaseUrl: "https://api.groq.com/openai/v1",
  auth: "bearer",
  reasoningField: "reasoning",
  cachedTokensField: null,
  cacheMissTokensField: null,
  toolCallIndexBase: 0,
  supportsN: false,
  dropParams: [...OPENAI_ACCOUNT_FIELDS, "logprobs", "logit_bias", "top_logprobs"],
  embeddings: false,
};
