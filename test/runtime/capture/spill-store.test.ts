import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SpillStore } from "../../../runtime/audit/spill-store.ts";

let root: string;
let store: SpillStore;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "nexus-spill-"));
  store = new SpillStore(join(root, "spill"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Lists every file under a folder, recursively, as absolute paths. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => resolve(entry.parentPath, entry.name));
}

describe("spill file names", () => {
  test("plain request id is kept", () => {
    expect(SpillStore.nameFor("req_0193abc", "request")).toBe("req_0193abc.request.body");
  });

  const hostile = [
    "../../escape",
    "../spill-sibling",
    "a/b/c",
    "/etc/passwd",
    "..",
    "x\u0000y",
    "C:\\windows\\system32",
    "a".repeat(500),
  ];
  for (const id of hostile) {
    test(`id ${JSON.stringify(id.slice(0, 24))} stays inside the folder`, () => {
      const file = store.create(id, "response");
      file.write(new TextEncoder().encode("body"));
      const name = file.commit();

      expect(name).toMatch(/^id-[0-9a-f]{64}\.response\.body$/);
      const files = filesUnder(root);
      expect(files).toEqual([join(store.dir, name)]);
    });
  }

  test("pathOf rejects names the store never makes", () => {
    for (const name of ["../x.request.body", "/etc/passwd", "a/b.request.body", "x.txt", ""]) {
      expect(() => store.pathOf(name)).toThrow("invalid spill file name");
    }
  });
});

describe("spill file writes", () => {
  test("final name appears only at commit", async () => {
    const file = store.create("req_1", "request");
    file.write(new TextEncoder().encode("hello "));
    file.write(new TextEncoder().encode("world"));
    expect(existsSync(store.pathOf("req_1.request.body"))).toBe(false);
    expect(readdirSync(store.dir)[0]).toEndWith(".tmp");

    file.commit();
    expect(readdirSync(store.dir)).toEqual(["req_1.request.body"]);
    expect(await store.read("req_1.request.body").text()).toBe("hello world");
  });

  test("discard deletes the temporary file", () => {
    const file = store.create("req_2", "response");
    file.write(new Uint8Array([1, 2, 3]));
    file.discard();
    expect(readdirSync(store.dir)).toEqual([]);
  });

  test("remove reports a missing file", () => {
    const file = store.create("req_3", "response");
    const name = file.commit();
    expect(store.remove(name)).toBe(true);
    expect(store.remove(name)).toBe(false);
  });
});

describe("spill sweep", () => {
  test("deletes only old spill and temp files", () => {
    store.create("req_old", "request").commit();
    store.create("req_new", "request").commit();
    const orphanTemp = store.create("req_tmp", "response");
    orphanTemp.write(new Uint8Array([1]));
    writeFileSync(join(store.dir, "unrelated.txt"), "keep");

    const old = new Date(Date.now() - 3_600_000);
    utimesSync(store.pathOf("req_old.request.body"), old, old);
    for (const name of readdirSync(store.dir).filter((n) => n.endsWith(".tmp"))) {
      utimesSync(join(store.dir, name), old, old);
    }

    expect(store.sweep(Date.now() - 60_000)).toBe(2);
    expect(readdirSync(store.dir).sort()).toEqual(["req_new.request.body", "unrelated.txt"]);
  });

  test("missing folder sweeps nothing", () => {
    expect(new SpillStore(join(root, "absent")).sweep(Date.now())).toBe(0);
  });
});
