import { describe, expect, test } from "bun:test";
import { piiStage } from "../../../runtime/hooks/stages/pii.ts";
import type { StageOutcome } from "../../../runtime/hooks/stage.ts";
import { TokenVault } from "../../../runtime/hooks/token-vault.ts";
import { subjectOf, userSays } from "./subject.ts";

const TEXT = "Mail jane.doe@example.com or call +44 20 7946 0958, card 4111 1111 1111 1111.";
const NO_CONTEXT = { findings: [], labels: [] };

async function run(options: Parameters<typeof piiStage>[0], vault?: TokenVault) {
  const subject = subjectOf(userSays(TEXT), { vault });
  return (await piiStage(options).run(subject, NO_CONTEXT)) as StageOutcome;
}

describe("PII stage", () => {
  test("redact puts a type placeholder for each item", async () => {
    const outcome = await run({ action: "redact" });
    expect(outcome.verdict).toBe("redact");
    expect(outcome.edits?.[0]?.text).toBe(
      "Mail [EMAIL] or call [PHONE], card [CREDIT_CARD].",
    );
    expect(outcome.findings?.map((finding) => finding.kind)).toEqual([
      "email", "phone", "credit_card",
    ]);
  });

  test("mask keeps the last four characters", async () => {
    const outcome = await run({ action: "mask", kinds: ["credit_card"] });
    expect(outcome.edits?.[0]?.text).toContain("card ***************1111.");
  });

  test("per-kind actions win over the default", async () => {
    const outcome = await run({ action: "flag", actions: { credit_card: "block" } });
    expect(outcome.verdict).toBe("block");
    expect(outcome.edits).toBeUndefined();
  });

  test("tokenize issues stable tokens a vault restores", async () => {
    const vault = new TokenVault();
    const outcome = await run({ action: "tokenize" }, vault);
    const tokenized = outcome.edits?.[0]?.text ?? "";
    expect(tokenized).toBe("Mail [EMAIL_1] or call [PHONE_1], card [CREDIT_CARD_1].");
    expect(vault.restore(`Reply to [EMAIL_1], not [EMAIL_9].`))
      .toBe("Reply to jane.doe@example.com, not [EMAIL_9].");
    expect(vault.tokenFor("email", "jane.doe@example.com")).toBe("[EMAIL_1]");
  });

  test("flag changes nothing but records the kinds", async () => {
    const outcome = await run({ action: "flag" });
    expect(outcome.verdict).toBe("flag");
    expect(outcome.edits).toEqual([]);
  });

  test("an action for an unknown detector stops the boot", () => {
    expect(() => piiStage({ action: "flag", actions: { passport: "block" } })).toThrow("passport");
  });
});
