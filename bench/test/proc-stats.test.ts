import { describe, expect, test } from "bun:test";
import { parseStat, processTree, readStatusKib, treeCpuMicros } from "../lib/proc-stats.ts";

describe("proc stats", () => {
  test("parseStat reads a name with spaces and parentheses", () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    const line = `4242 (my (odd) name) ${fields.join(" ")}`;
    const stat = parseStat(line);
    expect(stat.pid).toBe(4242);
    expect(stat.ppid).toBe(4);
    expect(stat.cpuTicks).toBe(14 + 15);
    expect(stat.childCpuTicks).toBe(16 + 17);
    expect(stat.startTicks).toBe(22);
  });

  test("parseStat rejects a line without a name", () => {
    expect(() => parseStat("12 S 1 2 3")).toThrow("invalid /proc stat line");
  });

  test("processTree finds a spawned child", async () => {
    const child = Bun.spawn(["sleep", "5"]);
    try {
      const pids = processTree(process.pid).map((stat) => stat.pid);
      expect(pids[0]).toBe(process.pid);
      expect(pids).toContain(child.pid);
    } finally {
      child.kill();
      await child.exited;
    }
  });

  test("own process has CPU time and memory", () => {
    expect(treeCpuMicros(process.pid)).toBeGreaterThan(0);
    expect(readStatusKib(process.pid, "VmHWM")).toBeGreaterThan(1024);
    expect(readStatusKib(2 ** 30, "VmRSS")).toBeUndefined();
  });
});
