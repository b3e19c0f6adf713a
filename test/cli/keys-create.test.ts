import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../support/fixtures.ts";

const BUN = process.execPath;
const NEXUS = join(REPO_ROOT, "bin", "nexus.ts");

let dir: string;
let configPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "nexus-keys-cli-"));
  configPath = join(dir, "nexus.config.yaml");
  const shipped = await Bun.file(join(REPO_ROOT, "nexus.config.yaml")).text();
  writeFileSync(configPath, shipped.replace("dataDir: ./data", `dataDir: ${join(dir, "data")}`));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function nexus(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([BUN, NEXUS, ...args, "--config", configPath],
    { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

describe("nexus keys create", () => {
  test("--no-cache stores the cache opt-out", async () => {
    const created = await nexus(["keys", "create", "--org", "acme", "--models", "*",
      "--no-cache", "--json"]);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { settings: Record<string, unknown> };
    expect(key.settings.cache).toBe(false);
  });

  test("duplicate name in one org", async () => {
    const first = await nexus(["keys", "create", "--org", "acme", "--models", "*",
      "--name", "batch"]);
    expect(first.code).toBe(0);
    const second = await nexus(["keys", "create", "--org", "acme", "--models", "*",
      "--name", "batch"]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('key name "batch" is already used in org "acme"');
    expect(second.stderr).not.toContain("    at ");

    const otherOrg = await nexus(["keys", "create", "--org", "beta", "--models", "*",
      "--name", "batch"]);
    expect(otherOrg.code).toBe(0);
  });
});
