import type { Stage, StageOutcome } from "../stage.ts";

export interface RequestSizeOptions {
  /** Largest body, in bytes. */
  maxBytes: number;
  /** Largest single text (a message, a tool result), in characters; unlimited when absent. */
  maxTextChars?: number;
}

/** Blocks bodies over the size limits with a 413 that says which limit and by how much. */
export function requestSizeStage(options: RequestSizeOptions): Stage {
  return {
    name: "request_size",
    run(subject): StageOutcome {
      if (subject.sizeBytes > options.maxBytes) {
        const size = subject.sizeBytes;
        return tooLarge(`The body is ${size} bytes; the limit is ${options.maxBytes}.`);
      }
      const maxChars = options.maxTextChars;
      if (maxChars === undefined) return { verdict: "allow" };

      const index = subject.texts.findIndex((segment) => segment.text.length > maxChars);
      if (index < 0) return { verdict: "allow" };
      const segment = subject.texts[index]!;
      return tooLarge(
        `The text at ${segment.path.join(".")} has ${segment.text.length} characters; ` +
          `the limit is ${maxChars}.`,
      );
    },
  };
}

function tooLarge(reason: string): StageOutcome {
  return { verdict: "block", reason, status: 413, code: "request_too_large" };
}
