import { describe, expect, test } from "bun:test";
import { OptionError, parseOptions } from "../lib/cli-options.ts";

describe("cli options", () => {
  test("defaults cover every contender and scenario", () => {
    const options = parseOptions([], "/out");
    expect(options.contenders).toEqual(["direct", "bare-proxy", "portkey", "nexus"]);
    expect(options.scenarios).toEqual(["json", "stream"]);
    expect(options.concurrency).toEqual([1, 16, 64]);
    expect([options.rounds, options.durationSeconds, options.warmupSeconds]).toEqual([3, 5, 2]);
    expect(options.openRate).toBeUndefined();
    expect(options.outDir).toBe("/out");
  });

  test("quick shortens the run", () => {
    const options = parseOptions(["--quick"], "/out");
    expect([options.rounds, options.durationSeconds, options.warmupSeconds]).toEqual([1, 3, 1]);
  });

  test("explicit flags win over quick", () => {
    const options = parseOptions(["--quick", "--rounds", "2", "--open-rate", "300"], "/out");
    expect(options.rounds).toBe(2);
    expect(options.openRate).toBe(300);
  });

  const invalid = [
    ["--contenders", "direct,kong"],
    ["--scenarios", "batch"],
    ["--concurrency", "1,0"],
    ["--rounds", "1.5"],
    ["--open-fraction", "2"],
    ["--first-byte-ms", "-1"],
    ["--unknown"],
  ];
  for (const argv of invalid) {
    test(`rejects ${argv.join(" ")}`, () => {
      let caught: unknown;
      try {
        parseOptions(argv, "/out");
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(OptionError);
      expect((caught as OptionError).code).toBe("invalid_option");
    });
  }
});
