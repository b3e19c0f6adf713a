import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ScaleOutCluster, startScaleOut } from "./support.ts";
import { chatBody, type ChatOutcome, sendChat } from "./traffic.ts";

const REQUESTS = 150;
const MAX_TOKENS = 8;
/**
 * A long prompt, so that the prompt tokens the simulator reports (characters / 4) come close
 * to the gateway's estimate: three budgets of one node each would then spend about three times
 * the limit, which the spend checks below catch.
 */
const CONTENT = "Summarise the following line. ".repeat(60);
const PROMPT_ESTIMATE = Math.ceil(chatBody({ maxTokens: MAX_TOKENS, content: CONTENT }).length / 4);
/** Estimated tokens per request: body characters / 4 rounded up, plus max_tokens. */
const ESTIMATE_TOKENS = PROMPT_ESTIMATE + MAX_TOKENS;
/** `gpt-test`'s price in the harness config, USD per million tokens. */
const PRICE = { input: 0.15, output: 0.6 };
const ESTIMATE_USD = (PROMPT_ESTIMATE * PRICE.input + MAX_TOKENS * PRICE.output) / 1e6;
/** Room for about 40 of the 150 requests, so most of the load is turned away. */
const FITTING = 40;
const LIMIT_TOKENS = ESTIMATE_TOKENS * FITTING;
const LIMIT_USD = ESTIMATE_USD * FITTING;

let cluster: ScaleOutCluster | null = null;

beforeAll(async () => {
  cluster = await startScaleOut({
    extra: {
      quotas: {
        rules: [
          { axis: "org", match: "acme", window: "day", limit: { tokens: LIMIT_TOKENS },
            mode: "hard" },
          { axis: "org", match: "globex", window: "day", limit: { usd: LIMIT_USD },
            mode: "hard" },
        ],
      },
    },
  });
}, 60_000);

afterAll(async () => {
  await cluster?.close();
}, 30_000);

interface Burst {
  admitted: ChatOutcome[];
  rejected: ChatOutcome[];
}

/** Sends REQUESTS requests at once with a key of `org`, spread round-robin over the nodes. */
async function burst(org: string): Promise<Burst> {
  const { gateways } = cluster!;
  const { secret } = await cluster!.createKey(org);
  const outcomes = await Promise.all(Array.from({ length: REQUESTS }, (_, i) =>
    sendChat({ url: gateways[i % gateways.length]!.url, key: secret, maxTokens: MAX_TOKENS,
      content: CONTENT })));

  const admitted = outcomes.filter((outcome) => outcome.status === 200);
  const rejected = outcomes.filter((outcome) => outcome.status === 429);
  expect(admitted.length + rejected.length).toBe(REQUESTS);
  for (const outcome of rejected) expect(outcome.errorCode).toBe("quota_exceeded");
  for (const outcome of admitted) expect(outcome.complete).toBe(true);

  // Every reservation that fits the empty budget is admitted, wherever it lands.
  expect(admitted.length).toBeGreaterThanOrEqual(FITTING);
  expect(rejected.length).toBeGreaterThan(0);
  return { admitted, rejected };
}

function usd(outcome: ChatOutcome): number {
  const prompt = outcome.promptTokens ?? 0;
  const completion = outcome.completionTokens ?? 0;
  return (prompt * PRICE.input + completion * PRICE.output) / 1e6;
}

describe("budget shared by three gateways", () => {
  test("token budget holds under load", async () => {
    if (cluster === null) return;
    const { admitted } = await burst("acme");

    // Reservations never pass the limit. Spend can pass it only by what in-flight requests
    // used beyond their estimates, and that is zero when every response fits its estimate.
    const spent = admitted.reduce((sum, outcome) => sum + (outcome.totalTokens ?? 0), 0);
    const beyondEstimates = admitted.reduce((sum, outcome) =>
      sum + Math.max(0, (outcome.totalTokens ?? 0) - ESTIMATE_TOKENS), 0);
    for (const outcome of admitted) expect(outcome.totalTokens).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(LIMIT_TOKENS + beyondEstimates);
  }, 30_000);

  test("USD budget holds under load", async () => {
    if (cluster === null) return;
    const { admitted } = await burst("globex");

    const spent = admitted.reduce((sum, outcome) => sum + usd(outcome), 0);
    const beyondEstimates = admitted.reduce((sum, outcome) =>
      sum + Math.max(0, usd(outcome) - ESTIMATE_USD), 0);
    for (const outcome of admitted) expect(usd(outcome)).toBeGreaterThan(0);
    // The margin absorbs floating-point sums only; it is a millionth of the limit.
    expect(spent).toBeLessThanOrEqual((LIMIT_USD + beyondEstimates) * (1 + 1e-6));
  }, 30_000);
});
