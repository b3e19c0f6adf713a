import { describe, expect, test } from "bun:test";
import { Compliance } from "../../../runtime/hooks/compliance.ts";
import type { ComplianceConfig } from "../../../runtime/hooks/config-schema.ts";
import { runPipeline } from "../../../runtime/hooks/pipeline.ts";
import { selectPipeline } from "../../../runtime/hooks/select-pipeline.ts";
import type { Stage } from "../../../runtime/hooks/stage.ts";
import { MemoryWindowCounter } from "../../../runtime/hooks/window-counter.ts";
import { subjectOf, userSays } from "./subject.ts";

const CONFIG: ComplianceConfig = {
  defaultPipeline: "base",
  pipelines: { base: {}, org: {}, project: {}, key: {} },
  bindings: [
    { key: "key_1", pipeline: "key" },
    { org: "acme", project: "p", pipeline: "project" },
    { org: "acme", pipeline: "org" },
  ],
};

describe("pipeline selection", () => {
  const who = (keyId: string, org: string, project: string | null) =>
    ({ keyId, org, project, ip: null });

  test("the most specific binding wins", () => {
    expect(selectPipeline(CONFIG, who("key_1", "acme", "p"))).toBe("key");
    expect(selectPipeline(CONFIG, who("key_2", "acme", "p"))).toBe("project");
    expect(selectPipeline(CONFIG, who("key_2", "acme", null))).toBe("org");
    expect(selectPipeline(CONFIG, who("key_2", "other", null))).toBe("base");
  });

  test("a binding to a missing pipeline stops the boot", () => {
    const bad = { ...CONFIG, bindings: [{ org: "acme", pipeline: "nope" }] };
    expect(() => new Compliance(bad, { counter: new MemoryWindowCounter() })).toThrow("nope");
  });
});

describe("pipeline runs", () => {
  const throwing: Stage = { name: "broken", run: () => { throw new Error("down"); } };
  const redacting: Stage = {
    name: "redact",
    run: (subject) => ({ verdict: "redact", reason: "r",
      edits: subject.texts.map((_, segment) => ({ segment, text: "x" })) }),
  };
  const seeing: string[] = [];
  const observer: Stage = {
    name: "observer",
    run: (subject) => {
      seeing.push(...subject.texts.map((segment) => segment.text));
      return { verdict: "allow" };
    },
  };

  test("a failing stage blocks when closed and flags when open", async () => {
    const closed = await runPipeline([{ stage: throwing, failMode: "closed" }],
      subjectOf(userSays("a")));
    expect(closed.verdict).toBe("block");
    expect(closed.block?.status).toBe(503);
    expect(closed.records[0]?.error).toBe("down");

    const open = await runPipeline([{ stage: throwing, failMode: "open" }],
      subjectOf(userSays("a")));
    expect(open.verdict).toBe("flag");
  });

  test("later stages see the redacted text", async () => {
    const result = await runPipeline(
      [{ stage: redacting, failMode: "closed" }, { stage: observer, failMode: "closed" }],
      subjectOf(userSays("secret")),
    );
    expect(result.verdict).toBe("redact");
    expect(seeing).toContain("x");
    expect(seeing).not.toContain("secret");
  });
});
