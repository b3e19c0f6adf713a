import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../support/fixtures.ts";
import { eventually, type Harness, startHarness } from "../support/harness.ts";

const COMPLIANCE = {
  defaultPipeline: "default",
  pipelines: {
    default: {
      request: [
        { stage: "request_size", maxBytes: 100_000 },
        { stage: "pii", action: "redact" },
        { stage: "classification", rules: [{ label: "confidential", kinds: ["email"] }] },
      ],
    },
  },
};

let harness: Harness;
let configPath: string;

beforeAll(async () => {
  harness = await startHarness({ extra: () => ({ compliance: COMPLIANCE }) });
  configPath = join(harness.dataDir, "cli.config.yaml");
  writeFileSync(configPath, `dataDir: ${harness.dataDir}\nproviders: {}\nmodels: {}\n`);
});
afterAll(async () => {
  await harness.close();
});

test("events show lists each stage's verdict and timing", async () => {
  const response = await fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${await harness.createKey()}`,
      "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test",
      messages: [{ role: "user", content: "mail jane.doe@example.com" }] }),
  });
  expect(response.status).toBe(200);
  const requestId = response.headers.get("x-request-id") ?? "";
  await eventually(() => harness.event(requestId));

  const child = Bun.spawn(
    [process.execPath, join(REPO_ROOT, "bin", "nexus.ts"), "events", "show", requestId,
      "--config", configPath],
    { stdout: "pipe", stderr: "pipe" },
  );
  const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  expect(code).toBe(0);

  const shown = JSON.parse(stdout.slice(0, stdout.lastIndexOf("}") + 1)) as {
    detail: { hooks: { stage: string; verdict: string; durationMs: number }[];
      findings: Record<string, number>; classification: string[] };
  };
  expect(shown.detail.hooks.map((hook) => [hook.stage, hook.verdict])).toEqual([
    ["request_size", "allow"], ["pii", "redact"], ["classification", "allow"],
  ]);
  expect(shown.detail.hooks.every((hook) => typeof hook.durationMs === "number")).toBe(true);
  expect(shown.detail.findings).toEqual({ email: 1 });
  expect(shown.detail.classification).toEqual(["confidential"]);
  expect(stdout).not.toContain("jane.doe");
});
