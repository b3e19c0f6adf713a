import type { PipelineResult, StageRecord } from "./pipeline.ts";
import { strongest } from "./verdict.ts";

/**
 * Characters held back at the end of each stream channel, so that a match split across chunks
 * is found whole before any of it is sent. Matches longer than this can be sent in part before
 * they are complete.
 */
export const STREAM_WINDOW = 256;

/** Runs the response pipeline on one text and returns its result and the text after edits. */
export type ScanText = (text: string) => Promise<{ result: PipelineResult; text: string }>;

/** Token handling besides the stages: spans to keep whole, then values to restore. */
export interface ScannerTokens {
  /** Spans of a text that must not be split at a release, such as tokens still to restore. */
  spans(text: string): { start: number; end: number }[];
  /** The released text with tokens replaced by their values. */
  restore(text: string): string;
}

const NO_TOKENS: ScannerTokens = { spans: () => [], restore: (text) => text };

/** Thrown when a stage blocks a stream; the relay sends it in-band and ends the stream. */
export class StreamBlocked extends Error {
  constructor(readonly result: PipelineResult) {
    super("stream blocked by a compliance stage");
  }
}

/**
 * Scans a streamed response incrementally, per channel (a choice's text, its reasoning, one tool
 * call's arguments). Text is released once it is more than STREAM_WINDOW characters from the
 * end of what arrived, and never inside a finding; redactions are applied before release.
 */
export class StreamScanner {
  readonly #scan: ScanText;
  readonly #tokens: ScannerTokens;
  readonly #pending = new Map<string, string>();
  readonly #summary: PipelineResult = { verdict: "allow", records: [], findings: [], labels: [] };

  constructor(scan: ScanText, tokens: ScannerTokens = NO_TOKENS) {
    this.#scan = scan;
    this.#tokens = tokens;
  }

  /** Adds text to a channel and returns what may be sent now (often ""). */
  async push(channel: string, text: string): Promise<string> {
    const pending = (this.#pending.get(channel) ?? "") + text;
    this.#pending.set(channel, pending);
    if (pending.length < 2 * STREAM_WINDOW) return "";

    const whole = await this.#run(pending, false);
    let split = pending.length - STREAM_WINDOW;
    for (const span of [...whole.result.findings, ...this.#tokens.spans(pending)]) {
      if (span.start < split && span.end > split) split = Math.min(split, span.start);
    }
    if (split <= 0) return "";

    this.#pending.set(channel, pending.slice(split));
    const prefix = pending.slice(0, split);
    if (whole.result.verdict !== "redact") return this.#tokens.restore(prefix);
    return this.#tokens.restore((await this.#run(prefix, true)).text);
  }

  /** Releases the rest of a channel, scanned; returns "" for an unknown channel. */
  async flush(channel: string): Promise<string> {
    const pending = this.#pending.get(channel);
    this.#pending.delete(channel);
    if (pending === undefined || pending === "") return "";
    return this.#tokens.restore((await this.#run(pending, true)).text);
  }

  /** Channels still holding text, for the final flush. */
  get channels(): string[] {
    return [...this.#pending.keys()];
  }

  /** The stages' results merged over every run, for the traffic event. */
  get summary(): PipelineResult {
    return this.#summary;
  }

  async #run(text: string, counted: boolean): Promise<{ result: PipelineResult; text: string }> {
    const scanned = await this.#scan(text);
    this.#merge(scanned.result, counted);
    if (scanned.result.verdict === "block") throw new StreamBlocked(this.#summary);
    return scanned;
  }

  /**
   * Merges one run into the summary: per stage the strongest verdict and the summed time.
   * Findings count only from runs whose text is released, so none is counted twice.
   */
  #merge(result: PipelineResult, counted: boolean): void {
    const summary = this.#summary;
    summary.verdict = strongest(summary.verdict, result.verdict);
    for (const record of result.records) mergeRecord(summary.records, record);
    if (counted || result.verdict === "block") summary.findings.push(...result.findings);
    for (const label of result.labels) {
      if (!summary.labels.includes(label)) summary.labels.push(label);
    }
    if (result.block !== undefined) summary.block = result.block;
  }
}

function mergeRecord(records: StageRecord[], record: StageRecord): void {
  const existing = records.find((r) => r.stage === record.stage && r.phase === record.phase);
  if (existing === undefined) {
    records.push({ ...record });
    return;
  }
  existing.durationMs = Math.round((existing.durationMs + record.durationMs) * 1000) / 1000;
  existing.findings += record.findings;
  if (strongest(existing.verdict, record.verdict) !== existing.verdict) {
    existing.verdict = record.verdict;
    existing.reason = record.reason;
  }
}

