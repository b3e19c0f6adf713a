import type { TokenVault } from "./token-vault.ts";
import type { TextSegment } from "./text-segments.ts";
import type { Verdict } from "./verdict.ts";

/** The sender of a request: its org, project, key and client address. */
export interface Principal {
  org: string | null;
  project: string | null;
  keyId: string | null;
  /** The client's address after the trusted-proxy rule, or null when unknown. */
  ip: string | null;
}

/** Something a stage found in the text, e.g. an email address or a blocked keyword. */
export interface Finding {
  stage: string;
  /** Entity or rule name: `email`, `keyword:secret-project`, `prompt_injection`, … */
  kind: string;
  segment: number;
  /** UTF-16 offsets in the segment's text. */
  start: number;
  end: number;
}

/** The input of the stages: the texts of one body and facts about the request. */
export interface HookSubject {
  phase: "request" | "response";
  requestId: string;
  principal: Principal;
  model: string | null;
  /** The body's size in bytes as received. */
  sizeBytes: number;
  /** Request headers with lower-case names; empty on the response side. */
  headers: Record<string, string>;
  /** Content texts; stages that redact replace entries through their outcome. */
  texts: TextSegment[];
  /** Estimated tokens of the request, for token-based rate limits. */
  estimatedTokens: number;
  /** The request's tokenization vault, shared by its request and response phases. */
  vault?: TokenVault;
}

/** One replacement of a segment's whole text. */
export interface TextEdit {
  segment: number;
  text: string;
}

export interface StageOutcome {
  verdict: Verdict;
  /** Why, in words a security team can read in the audit; required for anything but allow. */
  reason?: string;
  findings?: Finding[];
  edits?: TextEdit[];
  /** Data-classification labels this stage assigns, e.g. `confidential`. */
  labels?: string[];
  /** HTTP status for a block (default 403), e.g. 413 for size or 429 for rate limits. */
  status?: number;
  /** Seconds until a blocked request may succeed, sent as `retry-after`. */
  retryAfterSeconds?: number;
  /** A stable error code for a block, e.g. `rate_limited`. */
  code?: string;
}

/** The output of earlier stages, readable by later ones (classification reads findings). */
export interface StageContext {
  findings: readonly Finding[];
  labels: readonly string[];
}

/** One step of the pipeline. Stages know nothing of HTTP routes or wire formats. */
export interface Stage {
  readonly name: string;
  run(subject: HookSubject, context: StageContext): StageOutcome | Promise<StageOutcome>;
}
