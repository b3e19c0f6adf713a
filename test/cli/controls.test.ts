import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../support/fixtures.ts";
import { type Harness, startHarness } from "../support/harness.ts";

const BUN = process.execPath;
const NEXUS = join(REPO_ROOT, "bin", "nexus.ts");

let harness: Harness;
let configPath: string;
let acmeKey: string;
let acmeKeyId: string;

const COMPLIANCE = {
  defaultPipeline: "default",
  pipelines: {
    default: { request: [{ stage: "keyword_filter", words: ["Project Falcon"], action: "block" }] },
  },
};

beforeAll(async () => {
  harness = await startHarness({ extra: () => ({ compliance: COMPLIANCE }) });
  acmeKey = await harness.createKey({ name: "cli-acme" });
  acmeKeyId = (await harness.gateway.context.keys.list())[0]!.id;
  // The CLI finds the running gateway's store through a config naming the same data folder.
  configPath = join(harness.dataDir, "cli.config.yaml");
  writeFileSync(configPath, `dataDir: ${harness.dataDir}\nproviders: {}\nmodels: {}\n`);
});
afterAll(async () => {
  await harness.close();
});

async function nexus(...args: string[]): Promise<{ code: number; stdout: string;
  stderr: string }> {
  const child = Bun.spawn([BUN, NEXUS, ...args, "--config", configPath],
    { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

function chat(content = "hello"): Promise<Response> {
  return fetch(`${harness.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${acmeKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content }] }),
  });
}

/** Sends requests until one gets `status`; returns the ms it took, or fails after 1 s. */
async function msUntilStatus(status: number): Promise<number> {
  const startedAt = performance.now();
  while (performance.now() - startedAt < 1000) {
    if ((await chat()).status === status) return performance.now() - startedAt;
    await Bun.sleep(20);
  }
  throw new Error(`no ${status} within 1 s`);
}

type AuditRow = { action: string; control: string; tier: string; target: string;
  actor: string; reason: string | null; expiresAt: number | null };

describe("nexus kill against a running gateway", () => {
  test("engage blocks, lift restores, both audited", async () => {
    expect((await chat()).status).toBe(200);

    const engaged = await nexus("kill", "engage", "--org", "acme", "--reason",
      "credential leak", "--actor", "alice");
    expect(engaged.code).toBe(0);
    expect(engaged.stdout).toContain("org 'acme'");
    expect(await msUntilStatus(503)).toBeLessThan(1000);

    const blocked = await chat();
    const body = (await blocked.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("kill_switch_engaged");
    expect(body.error.message).toContain("credential leak");

    const listed = await nexus("kill", "list", "--json");
    const kills = JSON.parse(listed.stdout) as { tier: string; target: string }[];
    expect(kills.map((k) => [k.tier, k.target])).toEqual([["org", "acme"]]);

    const lifted = await nexus("kill", "lift", "--org", "acme", "--reason", "rotated",
      "--actor", "bob");
    expect(lifted.code).toBe(0);
    expect(await msUntilStatus(200)).toBeLessThan(1000);

    const audit = await nexus("audit", "list", "--json", "--limit", "2");
    const rows = JSON.parse(audit.stdout) as AuditRow[];
    expect(rows.map((r) => [r.action, r.control, r.tier, r.target, r.actor, r.reason])).toEqual([
      ["lift", "kill", "org", "acme", "bob", "rotated"],
      ["engage", "kill", "org", "acme", "alice", "credential leak"],
    ]);
    const text = await nexus("audit", "list");
    expect(text.stdout).toContain("engage  kill  org 'acme'  actor=alice");
  });

  test("actor defaults to the OS user", async () => {
    const engaged = await nexus("kill", "engage", "--key", acmeKeyId, "--reason", "drill");
    expect(engaged.code).toBe(0);
    await nexus("kill", "lift", "--key", acmeKeyId);
    const rows = JSON.parse((await nexus("audit", "list", "--json")).stdout) as AuditRow[];
    expect(rows[1]!.actor.length).toBeGreaterThan(0);
    expect(rows[1]!.target).toBe(acmeKeyId);
  });

  test("passthrough enable with expiry", async () => {
    expect((await chat("about Project Falcon")).status).toBe(403);
    const enabled = await nexus("passthrough", "enable", "--hooks", "--key", acmeKeyId,
      "--reason", "keyword stage misfires", "--for", "30m");
    expect(enabled.code).toBe(0);
    await Bun.sleep(150);
    const bypassed = await chat("about Project Falcon");
    expect(bypassed.status).toBe(200);

    const listed = JSON.parse((await nexus("passthrough", "list", "--json")).stdout) as
      { control: string; expiresAt: number }[];
    expect(listed.map((c) => c.control)).toEqual(["bypassHooks"]);
    const minutes = (listed[0]!.expiresAt - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(29);
    expect(minutes).toBeLessThanOrEqual(30);

    const disabled = await nexus("passthrough", "disable", "--hooks", "--key", acmeKeyId);
    expect(disabled.code).toBe(0);
    await Bun.sleep(150);
    expect((await chat("about Project Falcon")).status).toBe(403);
  });

  const usageCases: [string, string[], string][] = [
    ["engage without reason", ["kill", "engage", "--global"], "--reason"],
    ["two tiers", ["kill", "engage", "--global", "--org", "a", "--reason", "r"], "exactly one"],
    ["no tier", ["kill", "lift"], "exactly one"],
    ["unknown key", ["kill", "engage", "--key", "key_nope", "--reason", "r"], "no key"],
    ["lift not engaged", ["kill", "lift", "--org", "nobody"], "no kill switch"],
    ["no flag", ["passthrough", "enable", "--global", "--reason", "r"], "--hooks"],
    ["bad duration", ["passthrough", "enable", "--hooks", "--global", "--reason", "r",
      "--for", "soon"], "--for"],
    ["bad limit", ["audit", "list", "--limit", "0"], "--limit"],
  ];
  for (const [name, args, fragment] of usageCases) {
    test(`usage error: ${name}`, async () => {
      const result = await nexus(...args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(fragment);
    });
  }
});
