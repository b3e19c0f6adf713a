import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../support/fixtures.ts";

const BUN = process.execPath;
const NEXUS = join(REPO_ROOT, "bin", "nexus.ts");

/** Finds a free loopback port by binding port 0 and releasing it. */
function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port ?? 0;
  server.stop(true);
  return port;
}

async function nexus(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([BUN, NEXUS, ...args], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

let dir: string;
let configPath: string;
let gatewayPort: number;
let up: ReturnType<typeof Bun.spawn> | null = null;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "nexus-cli-"));
  gatewayPort = freePort();
  const simulatorPort = freePort();
  configPath = join(dir, "nexus.config.yaml");
  // The shipped config with only the ports and the data folder changed.
  const shipped = await Bun.file(join(REPO_ROOT, "nexus.config.yaml")).text();
  writeFileSync(configPath, shipped
    .replace("port: 3050", `port: ${gatewayPort}`)
    .replace("port: 3099", `port: ${simulatorPort}`)
    .replaceAll("127.0.0.1:3099", `127.0.0.1:${simulatorPort}`)
    .replace("dataDir: ./data", `dataDir: ${join(dir, "data")}`));

  up = Bun.spawn([BUN, NEXUS, "up", "--config", configPath], { stdout: "pipe", stderr: "pipe" });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const healthz = `http://127.0.0.1:${gatewayPort}/healthz`;
    const ok = await fetch(healthz).then((r) => r.ok, () => false);
    if (ok) return;
    await Bun.sleep(100);
  }
  throw new Error("nexus up did not become healthy");
});

afterAll(async () => {
  up?.kill("SIGTERM");
  await up?.exited;
  rmSync(dir, { recursive: true, force: true });
});

describe("README hello world through the nexus command", () => {
  test("create key, chat, read the event", async () => {
    const created = await nexus(["keys", "create", "--config", configPath, "--org", "acme",
      "--models", "claude*,gpt-*", "--json"]);
    expect(created.code).toBe(0);
    const key = (JSON.parse(created.stdout) as { key: string; id: string }).key;
    expect(key.startsWith("nx-")).toBe(true);

    const response = await fetch(`http://127.0.0.1:${gatewayPort}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-sonnet-4-5",
        messages: [{ role: "user", content: "Hello, Nexus" }] }),
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-request-id") ?? "";

    let shown = await nexus(["events", "show", requestId, "--config", configPath]);
    for (let i = 0; shown.code !== 0 && i < 20; i++) {
      await Bun.sleep(50);
      shown = await nexus(["events", "show", requestId, "--config", configPath]);
    }
    expect(shown.code).toBe(0);
    const event = JSON.parse(shown.stdout) as { status: number; org: string; costUsd: number };
    expect(event.status).toBe(200);
    expect(event.org).toBe("acme");
    expect(event.costUsd).toBeGreaterThan(0);

    const listed = await nexus(["events", "list", "--config", configPath]);
    expect(listed.stdout).toContain(requestId);
  });

  test("revoke takes effect on the running gateway", async () => {
    const created = await nexus(["keys", "create", "--config", configPath, "--org", "acme",
      "--models", "*", "--json"]);
    const { key, id } = JSON.parse(created.stdout) as { key: string; id: string };
    const revoked = await nexus(["keys", "revoke", id, "--config", configPath]);
    expect(revoked.code).toBe(0);
    // The gateway notices another process's commit within 0.1 s.
    await Bun.sleep(150);
    const response = await fetch(`http://127.0.0.1:${gatewayPort}/v1/models`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(response.status).toBe(401);

    const listed = await nexus(["keys", "list", "--config", configPath, "--json"]);
    const keys = JSON.parse(listed.stdout) as { id: string; revokedAt: number | null }[];
    expect(keys.find((k) => k.id === id)?.revokedAt).not.toBeNull();
    expect(listed.stdout.includes(key)).toBe(false);
  });

  test("bad config names the field", async () => {
    const bad = join(dir, "bad.yaml");
    const yaml = "providers:\n  p: { type: nope, baseUrl: http://127.0.0.1:1 }\nmodels: {}\n";
    writeFileSync(bad, yaml);
    const result = await nexus(["keys", "list", "--config", bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("/providers/p/type");
  });

  test("missing flag is a usage error", async () => {
    const result = await nexus(["keys", "create", "--config", configPath, "--org", "acme"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--models");
  });

  test("option value starting with a dash is a usage error", async () => {
    const result = await nexus(["keys", "create", "--config", configPath, "--org", "a",
      "--models", "x", "--expires", "-5d"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--expires");
  });
});

