import { OPENAI_ACCOUNT_FIELDS, type CompatProfile } from "./profile.ts";

/**
 * Zhipu AI / Z.ai GLM: reasoning in `reasoning_content`, switched by `thinking: {type}` in
 * place of `reasoning_effort`. Cached tokens use OpenAI's `prompt_tokens_details`. Errors are
 * `{error: {code, message}}` with GLM's own numeric codes, which the OpenAI decoder keeps.
 */
export const glmProfile: CompatProfile = {
  type: "glm",
  // Zhipu's mainland China endpoint is https://open.bigmodel.cn/api/paas/v4.
  defaultBaseUrl: "https://api.z.ai/api/paas/v4",
  auth: "bearer",
  reasoningField: "reasoning_content",
  cachedTokensField: null,
  cacheMissTokensField: null,
  toolCallIndexBase: 0,
  // NOTE: GLM's chat API documents no `n` parameter.
  supportsN: false,
  dropParams: OPENAI_ACCOUNT_FIELDS,
  embeddings: false,
  // NOTE: GLM-5.2 and later also take `reasoning_effort`, per third-party docs; this mapping
  // keeps only on or off.
  thinkingByEffort: { minimal: "disabled", low: "enabled", medium: "enabled", high: "enabled" },
};
