import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_FLUSH_INTERVAL_MS } from "../../runtime/quota/sqlite-quota-store.ts";
import { REPO_ROOT } from "../support/fixtures.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const NEXUS = join(REPO_ROOT, "bin", "nexus.ts");
const QUOTAS = {
  rules: [
    { axis: "org", match: "acme", window: "day", limit: { tokens: 100_000, usd: 5 },
      mode: "hard" },
    { axis: "key", match: "*", window: "hour", limit: { tokens: 5 }, mode: "soft" },
  ],
};

let harness: Harness;
let configPath: string;
let keyId: string;
let spentTokens = 0;

beforeAll(async () => {
  harness = await startHarness({ extra: () => ({ quotas: QUOTAS }) });
  const key = await harness.createKey({ org: "acme" });
  keyId = (await harness.gateway.context.keys.list())[0]!.id;
  for (let i = 0; i < 2; i++) {
    const response = await fetch(`${harness.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content: "hi" }] }),
    });
    const answer = (await response.json()) as { usage: { total_tokens: number } };
    spentTokens += answer.usage.total_tokens;
  }
  // The CLI reads SQLite, which the gateway writes one flush interval behind its counters.
  await Bun.sleep(2 * DEFAULT_FLUSH_INTERVAL_MS);
  // JSON is YAML, and the CLI reads the same store through a config naming its folder.
  configPath = join(harness.dataDir, "cli.config.yaml");
  writeFileSync(configPath, JSON.stringify({ dataDir: harness.dataDir, quotas: QUOTAS,
    providers: {}, models: {} }));
});
afterAll(async () => {
  await harness.close();
});

async function nexus(...args: string[]): Promise<{ code: number; stdout: string }> {
  const child = Bun.spawn([process.execPath, NEXUS, ...args, "--config", configPath],
    { stdout: "pipe", stderr: "pipe" });
  const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  return { code, stdout };
}

interface Report {
  usage: { axis: string; value: string; used: { tokens: number; usd: number };
    remaining: { tokens?: number; usd?: number } }[];
  alerts: { axis: string; value: string; unit: string }[];
}

test("quota show lists usage as JSON", async () => {
  const { code, stdout } = await nexus("quota", "show", "--json");
  expect(code).toBe(0);
  const report = JSON.parse(stdout) as Report;
  const org = report.usage.find((row) => row.axis === "org")!;
  expect(org.value).toBe("acme");
  expect(org.used.tokens).toBe(spentTokens);
  expect(org.remaining.tokens).toBe(100_000 - spentTokens);
  expect(org.used.usd).toBeGreaterThan(0);
  expect(org.remaining.usd).toBeCloseTo(5 - org.used.usd, 9);
  const key = report.usage.find((row) => row.axis === "key")!;
  expect(key.value).toBe(keyId);
  expect(report.alerts).toHaveLength(1);
  expect(report.alerts[0]).toMatchObject({ axis: "key", value: keyId, unit: "tokens" });
});

test("quota show filters by axis", async () => {
  const { code, stdout } = await nexus("quota", "show", "--axis", "org");
  expect(code).toBe(0);
  expect(stdout).toContain("org=acme");
  expect(stdout).toContain(`tokens ${spentTokens}/100000 (${100_000 - spentTokens} remaining)`);
  expect(stdout).not.toContain("key=");
});

test("quota show prints alerts", async () => {
  const { stdout } = await nexus("quota", "show");
  expect(stdout).toContain(`key=${keyId}`);
  expect(stdout).toContain("soft-limit alerts");
  expect(stdout).toContain("over soft limit 5");
});

test("quota show rejects an unknown axis", async () => {
  const { code } = await nexus("quota", "show", "--axis", "team");
  expect(code).toBe(2);
});
