import { describe, expect, test } from "bun:test";
import { createPiiScanner } from "../../../runtime/pii/scanner.ts";
import { labelledSetAvailable, loadLabelledSet, scoreLabelledSet } from "./labelled-set.ts";

const available = labelledSetAvailable();

describe("pii on the labelled Presidio set", () => {
  test.skipIf(!available)("recall and precision per category", () => {
    const scanner = createPiiScanner();
    const scores = scoreLabelledSet(loadLabelledSet(), (text) => scanner.scan(text));
    for (const category of ["email", "phone", "credit_card", "iban", "us_ssn", "ip"]) {
      const score = scores.get(category)!;
      expect({ category, recall: score.recall >= 0.95 }).toEqual({ category, recall: true });
      expect({ category, precision: score.precision >= 0.9 }).toEqual({
        category,
        precision: true,
      });
    }
  });
});
