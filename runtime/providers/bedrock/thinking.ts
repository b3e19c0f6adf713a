/**
 * Reasoning on Bedrock. Converse has no reasoning parameter of its own: each model family
 * takes its settings in `additionalModelRequestFields`. For Anthropic models that is the
 * Messages API `thinking` object, planned by the Anthropic codec (budgets per
 * `reasoning_effort`, `max_tokens` above the budget).
 */

import type { ChatRequest } from "../../canonical/chat.ts";
import { planThinking as planAnthropicThinking, thinkingEnabled } from "../anthropic/thinking.ts";
import { unsupportedParameter } from "./request-errors.ts";

export interface BedrockThinkingPlan {
  /** Fields for `additionalModelRequestFields`, or undefined without reasoning. */
  fields?: Record<string, unknown>;
  /** `inferenceConfig.maxTokens`, or undefined to leave Bedrock's default. */
  maxTokens?: number;
  /** Whether thinking is on, which limits the tool choice of Anthropic models. */
  enabled: boolean;
}

/**
 * Model ids of Anthropic models on Bedrock: `anthropic.claude-…`, cross-region inference
 * profiles such as `us.anthropic.claude-…`, and ARNs that contain either.
 */
export function isAnthropicModel(modelId: string): boolean {
  return /(^|[./:])anthropic\./.test(modelId);
}

export function planThinking(request: ChatRequest, modelId: string): BedrockThinkingPlan {
  const requestedMax = request.max_completion_tokens ?? request.max_tokens ?? undefined;
  const requested = wantsReasoning(request);

  if (!isAnthropicModel(modelId)) {
    if (requested) {
      // NOTE: other families (Amazon Nova, DeepSeek, OpenAI gpt-oss) take reasoning settings
      // of their own shapes, which this codec does not translate yet.
      throw unsupportedParameter(
        "reasoning_effort",
        `the codec translates reasoning settings only for Anthropic models, not '${modelId}'.`,
      );
    }
    return { maxTokens: requestedMax ?? undefined, enabled: false };
  }

  if (!requested) return { maxTokens: requestedMax ?? undefined, enabled: false };
  const plan = planAnthropicThinking(request);
  if (plan.thinking === undefined) return { maxTokens: plan.maxTokens, enabled: false };
  return {
    fields: { thinking: plan.thinking },
    maxTokens: plan.maxTokens,
    enabled: thinkingEnabled(plan.thinking),
  };
}

function wantsReasoning(request: ChatRequest): boolean {
  if (request.thinking !== undefined && request.thinking !== null) return true;
  const effort = request.reasoning_effort as string | null | undefined;
  return effort !== undefined && effort !== null && effort !== "none";
}
