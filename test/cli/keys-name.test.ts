import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../support/fixtures.ts";
import { runNexus } from "../support/production-gateway.ts";

let dir: string;
let configPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "nexus-keys-name-"));
  configPath = join(dir, "nexus.config.yaml");
  const shipped = await Bun.file(join(REPO_ROOT, "nexus.config.yaml")).text();
  writeFileSync(configPath, shipped.replace("dataDir: ./data", `dataDir: ${join(dir, "data")}`));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function nexus(args: string[]): ReturnType<typeof runNexus> {
  return runNexus([...args, "--config", configPath]);
}

function create(name: string, org = "acme"): ReturnType<typeof runNexus> {
  return nexus(["keys", "create", "--org", org, "--models", "*", "--name", name, "--json"]);
}

describe("nexus keys create --name", () => {
  const rejected: [string, string, string][] = [
    ["trailing space", "dup ", "leading or trailing whitespace"],
    ["leading space", " dup", "leading or trailing whitespace"],
    ["leading tab", "\tdup", "U+0009"],
    ["zero-width space", "d\u200bup", "U+200B"],
    ["right-to-left override", "d\u202eup", "U+202E"],
    ["line separator", "d\u2028up", "U+2028"],
    ["newline", "d\nup", "U+000A"],
    ["replacement character", "d\uFFFDup", "U+FFFD, the replacement character"],
    ["5000 characters", "d".repeat(5000), "5000 characters, the maximum is 128"],
    ["empty", "", "name must not be empty"],
    ["only spaces", "   ", "name must not be empty"],
  ];

  for (const [label, name, message] of rejected) {
    test(`rejects ${label}`, async () => {
      const result = await create(name);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toContain("    at ");
      expect(result.stdout).toBe("");
    });
  }

  const escaped: [string, string, string][] = [
    ["zero-width space", "d\u200bup", "\\u200b"],
    ["right-to-left override", "d\u202eup", "\\u202e"],
    ["line separator", "d\u2028up", "\\u2028"],
    ["delete", "d\u007fup", "\\u007f"],
  ];
  for (const [label, name, escape] of escaped) {
    test(`error escapes ${label}`, async () => {
      const result = await create(name);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`"d${escape}up"`);
      expect(result.stderr).not.toContain(name);
    });
  }

  test("accepts 128 characters and spaces inside", async () => {
    expect((await create("x".repeat(128))).code).toBe(0);
    expect((await create("batch jobs")).code).toBe(0);
  });

  test("NFC forms of one name clash", async () => {
    const composed = await create("caf\u00e9");
    expect(composed.code).toBe(0);
    expect((JSON.parse(composed.stdout) as { name: string }).name).toBe("caf\u00e9");

    const decomposed = await create("cafe\u0301");
    expect(decomposed.code).toBe(2);
    expect(decomposed.stderr).toContain("is already used in org");
  });
});

describe("nexus keys list", () => {
  test("shows names in table and JSON", async () => {
    const created = await create("listed name", "listing");
    expect(created.code).toBe(0);
    const id = (JSON.parse(created.stdout) as { id: string }).id;

    const table = await nexus(["keys", "list"]);
    expect(table.code).toBe(0);
    const row = table.stdout.split("\n").find((line) => line.startsWith(id));
    expect(row).toContain('name="listed name"');

    const json = await nexus(["keys", "list", "--json"]);
    const keys = JSON.parse(json.stdout) as { id: string; name: string | null }[];
    expect(keys.find((key) => key.id === id)?.name).toBe("listed name");
  });
});
