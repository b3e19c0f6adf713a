import { OPENAI_ACCOUNT_FIELDS, type CompatProfile } from "./profile.ts";

/**
 * MiniMax (M-series): without `reasoning_split` the model's reasoning arrives inside `content`
 * between `<think>` tags. The profile asks for `reasoning_split: true`, so reasoning arrives as
 * `reasoning_details` parts, which the codec joins into `reasoning_content`.
 */
export const minimaxProfile: CompatProfile = {
  type: "minimax",
  // The mainland China endpoint is https://api.minimaxi.com/v1.
  defaultBaseUrl: "https://api.minimax.io/v1",
  auth: "bearer",
  reasoningField: null,
  cachedTokensField: null,
  cacheMissTokensField: null,
  toolCallIndexBase: 0,
  // NOTE: third-party notes on MiniMax-M3 report that only n = 1 is served.
  supportsN: false,
  dropParams: OPENAI_ACCOUNT_FIELDS,
  embeddings: false,
  // NOTE: a client that sends `reasoning_split: false` gets `<think>` text in `content`, as sent.
  defaultParams: { reasoning_split: true },
  reasoningPartsField: "reasoning_details",
};
