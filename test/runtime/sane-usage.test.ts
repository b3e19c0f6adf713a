import { describe, expect, test } from "bun:test";
import { saneUsage } from "../../runtime/quota/sane-usage.ts";

describe("plausible usage", () => {
  test("whole counts pass with their details", () => {
    const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 4 } };
    expect(saneUsage(usage)).toEqual(usage);
  });

  test("negative, fractional and infinite counts are refused", () => {
    for (const bad of [-1, 2.5, Infinity, Number.NaN, 1e12]) {
      expect(saneUsage({ prompt_tokens: bad, completion_tokens: 1, total_tokens: 1 }))
        .toBeUndefined();
    }
  });

  test("a broken total or detail is repaired or dropped", () => {
    const usage = saneUsage({ prompt_tokens: 3, completion_tokens: 2, total_tokens: -1,
      prompt_tokens_details: { cached_tokens: -4 } });
    expect(usage?.total_tokens).toBe(5);
    expect(usage?.prompt_tokens_details).toBeUndefined();
  });
});
