import { describe, expect, test } from "bun:test";
import { runPipeline } from "../../../runtime/hooks/pipeline.ts";
import { piiStage } from "../../../runtime/hooks/stages/pii.ts";
import type { StageOutcome } from "../../../runtime/hooks/stage.ts";
import { TokenVault } from "../../../runtime/hooks/token-vault.ts";
import type { BuiltinKind } from "../../../runtime/pii/kinds.ts";
import { createPiiScanner } from "../../../runtime/pii/scanner.ts";
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

/** Runs a stage built from `options` on one user text. */
async function runOn(text: string, options: Parameters<typeof piiStage>[0], vault?: TokenVault) {
  const subject = subjectOf(userSays(text), { vault });
  return (await piiStage(options).run(subject, NO_CONTEXT)) as StageOutcome;
}

/** Formatting variants the engine's ASCII patterns miss unless the stage folds the text. */
const VARIANTS: { name: string; text: string; item: string; kind: string; placeholder: string }[] =
  [
    { name: "card with NBSP separators", text: "card 4111\u00A01111\u00A01111\u00A01111 ok",
      item: "4111\u00A01111\u00A01111\u00A01111", kind: "credit_card",
      placeholder: "[CREDIT_CARD]" },
    { name: "card with zero-width spaces", text: "card 4111\u200B1111\u200B1111\u200B1111 ok",
      item: "4111\u200B1111\u200B1111\u200B1111", kind: "credit_card",
      placeholder: "[CREDIT_CARD]" },
    { name: "card split by other invisible characters",
      text: "card 4111\u00AD1111\u180E1111\u31641111 ok",
      item: "4111\u00AD1111\u180E1111\u31641111", kind: "credit_card",
      placeholder: "[CREDIT_CARD]" },
    { name: "card in full-width digits", text: "カード ４１１１ １１１１ １１１１ １１１１ です",
      item: "４１１１ １１１１ １１１１ １１１１", kind: "credit_card",
      placeholder: "[CREDIT_CARD]" },
    { name: "card in Arabic-Indic digits", text: "البطاقة ٤١١١ ١١١١ ١١١١ ١١١١ شكرا",
      item: "٤١١١ ١١١١ ١١١١ ١١١١", kind: "credit_card", placeholder: "[CREDIT_CARD]" },
    { name: "card in Devanagari digits", text: "कार्ड ४१११ ११११ ११११ ११११ धन्यवाद",
      item: "४१११ ११११ ११११ ११११", kind: "credit_card", placeholder: "[CREDIT_CARD]" },
    { name: "card in mathematical bold digits", text: "card 𝟒𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 ok",
      item: "𝟒𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏", kind: "credit_card", placeholder: "[CREDIT_CARD]" },
    { name: "email with zero-width space before @", text: "mail jane.doe\u200B@example.com ok",
      item: "jane.doe\u200B@example.com", kind: "email", placeholder: "[EMAIL]" },
    { name: "email with full-width at sign", text: "メール jane.doe＠example.com です",
      item: "jane.doe＠example.com", kind: "email", placeholder: "[EMAIL]" },
    { name: "SSN in full-width digits", text: "SSN １２３－４５－６７８９ ok",
      item: "１２３－４５－６７８９", kind: "us_ssn", placeholder: "[US_SSN]" },
  ];

describe("PII stage on folded variants", () => {
  for (const variant of VARIANTS) {
    test(`redacts ${variant.name}`, async () => {
      const kinds = [variant.kind as BuiltinKind];
      const outcome = await runOn(variant.text, { action: "redact", kinds });
      const start = variant.text.indexOf(variant.item);
      expect(outcome.verdict).toBe("redact");
      expect(outcome.findings).toEqual([{
        stage: "pii", kind: variant.kind, segment: 0, start, end: start + variant.item.length,
      }]);
      const redacted = variant.text.replace(variant.item, variant.placeholder);
      expect(outcome.edits?.[0]?.text).toBe(redacted);
    });
  }

  test("custom pattern matches full-width digits", async () => {
    const text = "社員 EMP-１２３４５６ です";
    const outcome = await runOn(text, {
      action: "redact", kinds: [], patterns: [{ name: "employee_id", pattern: "EMP-[0-9]{6}" }],
    });
    expect(outcome.findings?.map((finding) => finding.kind)).toEqual(["employee_id"]);
    expect(outcome.edits?.[0]?.text).toBe("社員 [EMPLOYEE_ID] です");
  });

  test("tokenize stores the original substring", async () => {
    const vault = new TokenVault();
    const text = "card ４１１１\u200B１１１１ １１１１ １１１１.";
    const outcome = await runOn(text, { action: "tokenize", kinds: ["credit_card"] }, vault);
    expect(outcome.edits?.[0]?.text).toBe("card [CREDIT_CARD_1].");
    expect(vault.restore("[CREDIT_CARD_1]")).toBe("４１１１\u200B１１１１ １１１１ １１１１");
  });

  test("mask keeps the last four original characters", async () => {
    const text = "card ٤٢٤٢ ٤٢٤٢ ٤٢٤٢ ٤٢٤٢.";
    const outcome = await runOn(text, { action: "mask", kinds: ["credit_card"] });
    expect(outcome.edits?.[0]?.text).toBe("card ***************٤٢٤٢.");
  });

  test("mask does not split surrogate pairs", async () => {
    const outcome = await runOn("card 𝟒𝟐𝟒𝟐𝟒𝟐𝟒𝟐𝟒𝟐𝟒𝟐𝟒𝟐𝟒𝟐.", {
      action: "mask", kinds: ["credit_card"],
    });
    expect(outcome.edits?.[0]?.text).toBe("card ************𝟒𝟐𝟒𝟐.");
  });

  test("full-width AWS key keeps its case", async () => {
    // AWS access key ids are upper case, so a folding that lower-cased would hide this one.
    const key = "ＡＫＩＡＩＯＳＦＯＤＮＮ７ＥＸＡＭＰＬＥ";
    const options = { action: "redact", kinds: ["aws_access_key"] } as const;
    const outcome = await runOn(`key ${key} here`, options);
    expect(outcome.findings?.map((finding) => finding.kind)).toEqual(["aws_access_key"]);
    expect(outcome.edits?.[0]?.text).toBe("key [AWS_ACCESS_KEY] here");
  });

  test("ASCII text keeps its offsets", async () => {
    const outcome = await run({ action: "flag" });
    const found = outcome.findings?.map(({ kind, start, end }) => [kind, TEXT.slice(start, end)]);
    expect(found).toEqual([
      ["email", "jane.doe@example.com"],
      ["phone", "+44 20 7946 0958"],
      ["credit_card", "4111 1111 1111 1111"],
    ]);
  });
});

describe("PII stage on texts over the engine limit", () => {
  const stage = piiStage({ action: "redact" });
  const max = createPiiScanner().maxInputBytes;
  // Spaces keep the text from looking like a base64 payload, which the stages skip.
  const overLimit = "a ".repeat(max / 2 + 1);

  test("blocks an ASCII text with 413", async () => {
    const outcome = (await stage.run(subjectOf(userSays(overLimit)), NO_CONTEXT)) as StageOutcome;
    expect(outcome.verdict).toBe("block");
    expect(outcome.status).toBe(413);
    expect(outcome.code).toBe("request_too_large");
    expect(outcome.reason).toContain(`${max} bytes`);
  });

  test("blocks a text whose folded UTF-8 is over the limit", async () => {
    // Half as many two-byte characters as the limit, plus one, fit in UTF-16 units but not
    // in the engine's UTF-8 bytes, so it is the scanner that rejects the folded text.
    const text = "\u00E9".repeat(max / 2 + 1);
    const outcome = (await stage.run(subjectOf(userSays(text)), NO_CONTEXT)) as StageOutcome;
    expect(outcome.verdict).toBe("block");
    expect(outcome.status).toBe(413);
    expect(outcome.code).toBe("request_too_large");
  });

  test("blocks under fail mode open too", async () => {
    const subject = subjectOf(userSays("ok", overLimit));
    const result = await runPipeline([{ stage, failMode: "open" }], subject);
    expect(result.verdict).toBe("block");
    expect(result.block?.status).toBe(413);
    expect(result.block?.code).toBe("request_too_large");
    expect(result.records[0]?.error).toBeUndefined();
  });
});

describe("separators other scripts write", () => {
  const stage = piiStage({ action: "redact", kinds: ["us_ssn", "credit_card", "email"] });
  for (const text of ["123\u201045\u20106789", "123\u201145\u20116789", "123\u201345\u20136789",
    "123\u221245\u22126789", "4111\u20131111\u20131111\u20131111", "mona@example\u3002com"]) {
    test(`${JSON.stringify(text)} is found`, async () => {
      const outcome = (await stage.run(subjectOf(userSays(`x ${text} y`)), NO_CONTEXT)) as
        StageOutcome;
      expect(outcome.verdict).toBe("redact");
      expect(outcome.edits?.[0]?.text).toMatch(/^x \[[A-Z_]+\] y$/);
    });
  }
});

describe("escaped characters", () => {
  const stage = piiStage({ action: "redact", kinds: ["email"] });
  const texts = ["{\"to\":\"nora\\u0040example.com\"}",
    "https://x.test/?email=pat%40example.com&a=1"];
  for (const text of texts) {
    test(`${JSON.stringify(text)} is found and rewritten whole`, async () => {
      const outcome = (await stage.run(subjectOf(userSays(text)), NO_CONTEXT)) as StageOutcome;
      expect(outcome.verdict).toBe("redact");
      expect(outcome.edits?.[0]?.text).not.toContain("example");
      expect(outcome.edits?.[0]?.text).toContain("[EMAIL]");
    });
  }
});

