import { OPENAI_ACCOUNT_FIELDS, type CompatProfile } from "./profile.ts";

/**
 * Hugging Face Inference Providers router: it forwards to the provider that hosts the model,
 * so reasoning fields vary by host and pass as sent.
 */
export const huggingfaceProfile: CompatProfile = {
  type: "huggingface",
  defaultBaseUrl: "https://router.huggingface.co/v1",
  auth: "bearer",
  reasoningField: null,
  cachedTokensField: null,
  cacheMissTokensField: null,
  toolCallIndexBase: 0,
  supportsN: false,
  dropParams: OPENAI_ACCOUNT_FIELDS,
  embeddings: false,
};
