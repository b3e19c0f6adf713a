import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../support/fixtures.ts";
import { runNexus } from "../support/production-gateway.ts";

let dir: string;
let configPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "nexus-events-args-"));
  configPath = join(dir, "nexus.config.yaml");
  const shipped = await Bun.file(join(REPO_ROOT, "nexus.config.yaml")).text();
  writeFileSync(configPath, shipped.replace("dataDir: ./data", `dataDir: ${join(dir, "data")}`));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("nexus events negative values", () => {
  const cases: [string, string[], string][] = [
    ["--older-than -5d", ["events", "prune", "--older-than", "-5d"],
      'invalid --older-than "-5d": the age must not be negative'],
    ["--older-than=-5d", ["events", "prune", "--older-than=-5d"],
      'invalid --older-than "-5d": the age must not be negative'],
    ["--limit -5", ["events", "list", "--limit", "-5"], 'invalid --limit "-5"'],
  ];

  for (const [label, args, message] of cases) {
    test(`${label} names the value`, async () => {
      const result = await runNexus([...args, "--config", configPath]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      // The message is printed alone, without the whole usage text after it.
      expect(result.stderr).not.toContain("Usage:");
    });
  }

  test("valid age still prunes", async () => {
    const result = await runNexus(["events", "prune", "--older-than", "5d",
      "--config", configPath]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("pruned bodies of 0 event(s)");
  });
});
