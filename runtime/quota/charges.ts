import type { QuotaAxis, QuotaRule } from "./config-schema.ts";
import type { QuotaCharge } from "./quota-store.ts";

/** The axis values of one request: its org, key id, provider id and configured model name. */
export type QuotaSubject = Record<QuotaAxis, string>;

/** Returns the charges of every rule whose `match` is the subject's value or `*`. */
export function chargesFor(rules: readonly QuotaRule[], subject: QuotaSubject): QuotaCharge[] {
  const charges: QuotaCharge[] = [];
  for (const rule of rules) {
    const value = subject[rule.axis];
    if (rule.match === "*" || rule.match === value) charges.push({ rule, value });
  }
  return charges;
}
