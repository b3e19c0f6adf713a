import { describe, expect, test } from "bun:test";
import { mapUsage } from "../../../runtime/providers/compat/map-usage.ts";
import { xaiProfile } from "../../../runtime/providers/compat/xai.ts";
import { deepseekProfile } from "../../../runtime/providers/compat/deepseek.ts";

/** The usage of the recorded xAI tool call: its total counts reasoning, its completion not. */
const XAI_USAGE = {
  prompt_tokens: 291,
  completion_tokens: 26,
  total_tokens: 506,
  completion_tokens_details: { reasoning_tokens: 189 },
};

describe("reasoning tokens outside completion_tokens", () => {
  test("xai reasoning is billed as output", () => {
    const usage = mapUsage(XAI_USAGE, xaiProfile);
    expect(usage.completion_tokens).toBe(215);
    expect(usage.prompt_tokens + usage.completion_tokens).toBe(usage.total_tokens);
  });

  test("providers that count reasoning inside are left alone", () => {
    expect(mapUsage(XAI_USAGE, deepseekProfile).completion_tokens).toBe(26);
  });
});
