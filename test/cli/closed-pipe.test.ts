import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO_ROOT } from "../support/fixtures.ts";

const BUN = process.execPath;
const NEXUS = join(REPO_ROOT, "bin", "nexus.ts");

describe("closed stdout pipe", () => {
  test("help into a closed pipe exits 0", async () => {
    // `true` exits without reading, so the CLI writes its help into a pipe with no reader.
    const script = `"$0" "$1" help | true; exit "\${PIPESTATUS[0]}"`;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const child = Bun.spawn(["bash", "-c", script, BUN, NEXUS], { stderr: "pipe" });
      const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);
      expect(stderr).not.toContain("EPIPE");
      expect(code).toBe(0);
    }
  });
});
