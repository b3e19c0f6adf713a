import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Span } from "../../../runtime/pii/span.ts";

/**
 * Presidio's synthetic PII evaluation set (microsoft/presidio-research,
 * `data/synth_dataset_v2.json`, MIT; fake identities from fakenamegenerator.com, CC BY-SA 3.0
 * US), kept beside the repository. Its offsets count code points; the set holds no character
 * outside the Basic Multilingual Plane, so they equal JavaScript string indices.
 */
export const LABELLED_SET_PATH = join(
  import.meta.dir,
  "..",
  "..",
  "..",
  "..",
  "shared",
  "fixtures",
  "pii",
  "presidio-synth",
  "synth_dataset_v2.json",
);

export interface LabelledSpan {
  entity: string;
  start: number;
  end: number;
}

export interface LabelledRecord {
  text: string;
  spans: LabelledSpan[];
}

/** The set's entity names mapped to the scored category; both IP kinds score as one. */
export const ENTITY_CATEGORY: Record<string, string> = {
  EMAIL_ADDRESS: "email",
  PHONE_NUMBER: "phone",
  CREDIT_CARD: "credit_card",
  IBAN_CODE: "iban",
  US_SSN: "us_ssn",
  IP_ADDRESS: "ip",
};

/** Our kinds mapped to the same categories. */
export const KIND_CATEGORY: Record<string, string> = {
  email: "email",
  phone: "phone",
  credit_card: "credit_card",
  iban: "iban",
  us_ssn: "us_ssn",
  ipv4: "ip",
  ipv6: "ip",
};

/**
 * Reports whether the set is present. A missing set is a failure under CI=true and a reason
 * to skip otherwise.
 */
export function labelledSetAvailable(): boolean {
  const present = existsSync(LABELLED_SET_PATH);
  if (!present && process.env.CI === "true") {
    throw new Error(`labelled PII set missing at ${LABELLED_SET_PATH}; CI requires it`);
  }
  return present;
}

interface RawRecord {
  full_text: string;
  spans: { entity_type: string; start_position: number; end_position: number }[];
}

export function loadLabelledSet(path = LABELLED_SET_PATH): LabelledRecord[] {
  const raw = JSON.parse(readFileSync(path, "utf8")) as RawRecord[];
  return raw.map((record) => ({
    text: record.full_text,
    spans: record.spans.map((span) => ({
      entity: span.entity_type,
      start: span.start_position,
      end: span.end_position,
    })),
  }));
}

/** Counts for one category. A prediction is a true positive when its boundaries equal a
 * labelled span's of the same category; near misses count as one false positive and one
 * false negative. */
export interface CategoryScore {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
}

/** Scores `scan` on every record, per category in `ENTITY_CATEGORY`. */
export function scoreLabelledSet(
  records: readonly LabelledRecord[],
  scan: (text: string) => Span[],
): Map<string, CategoryScore> {
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const countsFor = (category: string) => {
    let entry = counts.get(category);
    if (!entry) {
      entry = { tp: 0, fp: 0, fn: 0 };
      counts.set(category, entry);
    }
    return entry;
  };
  for (const category of new Set(Object.values(ENTITY_CATEGORY))) countsFor(category);

  for (const record of records) {
    const gold = new Set<string>();
    for (const span of record.spans) {
      const category = ENTITY_CATEGORY[span.entity];
      if (category) gold.add(`${category}:${span.start}:${span.end}`);
    }
    const predicted = new Set<string>();
    for (const span of scan(record.text)) {
      const category = KIND_CATEGORY[span.kind];
      if (category) predicted.add(`${category}:${span.start}:${span.end}`);
    }
    for (const key of predicted) {
      const entry = countsFor(key.slice(0, key.indexOf(":")));
      if (gold.has(key)) entry.tp++;
      else entry.fp++;
    }
    for (const key of gold) {
      if (!predicted.has(key)) countsFor(key.slice(0, key.indexOf(":"))).fn++;
    }
  }

  const scores = new Map<string, CategoryScore>();
  for (const [category, { tp, fp, fn }] of counts) {
    scores.set(category, {
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
      precision: tp + fp === 0 ? 0 : tp / (tp + fp),
      recall: tp + fn === 0 ? 0 : tp / (tp + fn),
    });
  }
  return scores;
}

/** Entity names in the set that no category covers, with their span counts. */
export function unscoredEntities(records: readonly LabelledRecord[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const record of records) {
    for (const span of record.spans) {
      if (ENTITY_CATEGORY[span.entity]) continue;
      counts.set(span.entity, (counts.get(span.entity) ?? 0) + 1);
    }
  }
  return counts;
}
