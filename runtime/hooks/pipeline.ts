import type { Finding, HookSubject, Stage, StageOutcome } from "./stage.ts";
import { strongest, type Verdict } from "./verdict.ts";

/** One stage's verdict and timing, as recorded in the traffic event. */
export interface StageRecord {
  stage: string;
  phase: HookSubject["phase"];
  verdict: Verdict;
  reason?: string;
  findings: number;
  durationMs: number;
  /** Set when the stage itself failed; the verdict is then the stage's fail mode. */
  error?: string;
}

export interface PipelineResult {
  verdict: Verdict;
  records: StageRecord[];
  findings: Finding[];
  labels: string[];
  /** The blocking stage's outcome, when the verdict is block. */
  block?: StageOutcome & { stage: string };
}

/** The verdict of a stage that throws: `closed` blocks, `open` lets the request through. */
export type FailMode = "open" | "closed";

export interface PipelineStage {
  stage: Stage;
  failMode: FailMode;
}

/**
 * Runs the stages in order on the subject. Redactions replace the subject's texts before the
 * next stage runs, so later stages see redacted text; the first block stops the run.
 */
export async function runPipeline(
  stages: readonly PipelineStage[],
  subject: HookSubject,
): Promise<PipelineResult> {
  const result: PipelineResult = { verdict: "allow", records: [], findings: [], labels: [] };

  for (const { stage, failMode } of stages) {
    const started = performance.now();
    const outcome = await runStage(stage, subject, result, failMode);
    const durationMs = performance.now() - started;

    result.records.push(recordOf(stage.name, subject.phase, outcome, durationMs));
    result.verdict = strongest(result.verdict, outcome.verdict);
    result.findings.push(...(outcome.findings ?? []));
    for (const label of outcome.labels ?? []) {
      if (!result.labels.includes(label)) result.labels.push(label);
    }
    if (outcome.verdict === "block") {
      result.block = { ...outcome, stage: stage.name };
      break;
    }
    for (const edit of outcome.edits ?? []) {
      const segment = subject.texts[edit.segment];
      if (segment !== undefined) segment.text = edit.text;
    }
  }
  return result;
}

async function runStage(
  stage: Stage,
  subject: HookSubject,
  soFar: PipelineResult,
  failMode: FailMode,
): Promise<StageOutcome & { error?: string }> {
  try {
    return await stage.run(subject, { findings: soFar.findings, labels: soFar.labels });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (failMode === "open") {
      return { verdict: "flag", reason: `stage failed, let through: ${message}`, error: message };
    }
    return {
      verdict: "block",
      reason: `stage failed, blocked: ${message}`,
      error: message,
      status: 503,
      code: "compliance_unavailable",
    };
  }
}

function recordOf(
  stage: string,
  phase: HookSubject["phase"],
  outcome: StageOutcome & { error?: string },
  durationMs: number,
): StageRecord {
  const record: StageRecord = {
    stage,
    phase,
    verdict: outcome.verdict,
    findings: outcome.findings?.length ?? 0,
    durationMs: Math.round(durationMs * 1000) / 1000,
  };
  if (outcome.reason !== undefined) record.reason = outcome.reason;
  if (outcome.error !== undefined) record.error = outcome.error;
  return record;
}
