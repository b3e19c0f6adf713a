import { deepseekProfile } from "./deepseek.ts";
import { fireworksProfile } from "./fireworks.ts";
import { glmProfile } from "./glm.ts";
import { groqProfile } from "./groq.ts";
import { huggingfaceProfile } from "./huggingface.ts";
import { minimaxProfile } from "./minimax.ts";
import { mistralProfile } from "./mistral.ts";
import { moonshotProfile } from "./moonshot.ts";
import { perplexityProfile } from "./perplexity.ts";
import type { CompatProfile } from "./profile.ts";
import { togetherProfile } from "./together.ts";
import { xaiProfile } from "./xai.ts";

/** Every OpenAI-compatible provider Nexus supports, keyed by its config `type`. */
export const COMPAT_PROFILES: readonly CompatProfile[] = [
  deepseekProfile,
  moonshotProfile,
  mistralProfile,
  groqProfile,
  fireworksProfile,
  togetherProfile,
  perplexityProfile,
  xaiProfile,
  huggingfaceProfile,
  minimaxProfile,
  glmProfile,
];
