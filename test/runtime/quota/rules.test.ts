import { describe, expect, test } from "bun:test";
import { ConfigError, validateConfig } from "../../../runtime/config/load.ts";
import { chargesFor } from "../../../runtime/quota/charges.ts";
import type { QuotaRule } from "../../../runtime/quota/config-schema.ts";
import { actualSpend, estimateSpend } from "../../../runtime/quota/estimate.ts";

const SUBJECT = { org: "acme", key: "key_1", provider: "openai", model: "gpt-test" };
const PRICE = { inputPerMTok: 2, outputPerMTok: 10, cacheReadPerMTok: 0.5 };

function rule(axis: QuotaRule["axis"], match: string): QuotaRule {
  return { axis, match, window: "day", limit: { tokens: 10 }, mode: "hard" };
}

describe("chargesFor", () => {
  test("matches by name and wildcard", () => {
    const rules = [rule("org", "acme"), rule("org", "other"), rule("key", "*"),
      rule("model", "gpt-test"), rule("provider", "anthropic")];
    const charges = chargesFor(rules, SUBJECT);
    expect(charges.map((c) => `${c.rule.axis}=${c.value}`))
      .toEqual(["org=acme", "key=key_1", "model=gpt-test"]);
  });
});

describe("estimateSpend", () => {
  test("prompt chars over four plus output", () => {
    const estimate = estimateSpend({ requestChars: 401, maxOutputTokens: 100, price: PRICE });
    expect(estimate.tokens).toBe(101 + 100);
    expect(estimate.usd).toBeCloseTo((101 * 2 + 100 * 10) / 1_000_000, 12);
  });

  test("unpriced model costs no usd", () => {
    expect(estimateSpend({ requestChars: 40, maxOutputTokens: 0, price: undefined }))
      .toEqual({ tokens: 10, usd: 0 });
  });
});

describe("actualSpend", () => {
  test("prices cached tokens at their rate", () => {
    const usage = { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110,
      prompt_tokens_details: { cached_tokens: 60 } };
    const spend = actualSpend(usage, PRICE);
    expect(spend.tokens).toBe(110);
    expect(spend.usd).toBeCloseTo((40 * 2 + 60 * 0.5 + 10 * 10) / 1_000_000, 12);
  });

  test("no usage spends nothing", () => {
    expect(actualSpend(undefined, PRICE)).toEqual({ tokens: 0, usd: 0 });
  });
});

describe("quota config", () => {
  const base = { providers: {}, models: {} };

  test("valid rules load", () => {
    const loaded = validateConfig({ ...base, quotas: { rules: [
      { axis: "org", match: "*", window: "month", limit: { usd: 100 }, mode: "soft" },
    ] } }, "/tmp/c.yaml");
    expect(loaded.config.quotas?.rules[0]?.limit.usd).toBe(100);
  });

  test("empty limit names the path", () => {
    const raw = { ...base, quotas: { rules: [
      { axis: "org", match: "acme", window: "day", limit: {}, mode: "hard" },
    ] } };
    expect(() => validateConfig(raw, "/tmp/c.yaml")).toThrow(ConfigError);
    expect(() => validateConfig(raw, "/tmp/c.yaml")).toThrow("/quotas/rules/0/limit");
  });

  test("unknown window names the path", () => {
    const raw = { ...base, quotas: { rules: [
      { axis: "org", match: "acme", window: "week", limit: { tokens: 1 }, mode: "hard" },
    ] } };
    expect(() => validateConfig(raw, "/tmp/c.yaml")).toThrow("/quotas/rules/0/window");
  });
});
