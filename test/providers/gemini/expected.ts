/**
 * A deliberately plain reading of recorded Gemini responses, written apart from the codec, so the
 * replay tests compare the codec's output with values computed from the fixture itself.
 */

import type { FinishReason } from "../../../runtime/canonical/chat.ts";

export interface ExpectedAnswer {
  text: string;
  thoughts: string;
  signatures: string[];
  toolCalls: { name: string; args: Record<string, unknown>; signature?: string }[];
  finishReason: string;
  usage: Record<string, number>;
}

// Recorded responses are arbitrary JSON; this reference reader indexes into them freely.
type Answer = Record<string, any>;

/** Reads the expected answer of candidate 0 from one or more response objects in order. */
export function expectedFrom(answers: Answer[]): ExpectedAnswer {
  const expected: ExpectedAnswer = {
    text: "",
    thoughts: "",
    signatures: [],
    toolCalls: [],
    finishReason: "",
    usage: {},
  };
  let open: { name: string; args: Record<string, unknown>; signature?: string } | null = null;

  for (const answer of answers) {
    Object.assign(expected.usage, answer.usageMetadata ?? {});
    const candidate = answer.candidates?.[0];
    if (candidate?.finishReason) expected.finishReason = candidate.finishReason;

    for (const part of candidate?.content?.parts ?? []) {
      const call = part.functionCall;
      if (call === undefined) {
        if (part.thought) expected.thoughts += part.text ?? "";
        else expected.text += part.text ?? "";
        if (part.thoughtSignature) expected.signatures.push(part.thoughtSignature);
        continue;
      }
      if (open === null && !call.willContinue) {
        const signature = part.thoughtSignature;
        expected.toolCalls.push({ name: call.name, args: call.args ?? {}, signature });
        continue;
      }
      open ??= { name: "", args: {}, signature: part.thoughtSignature };
      if (call.name) open.name = call.name;
      for (const piece of call.partialArgs ?? []) {
        const key = String(piece.jsonPath).replace(/^\$\./, "");
        open.args[key] = String(open.args[key] ?? "") + (piece.stringValue ?? "");
      }
      if (!call.willContinue) {
        expected.toolCalls.push(open);
        open = null;
      }
    }
  }
  return expected;
}

/** The finish_reason OpenAI clients should see for a Gemini finishReason. */
export function expectedFinish(expected: ExpectedAnswer): FinishReason {
  if (expected.finishReason === "MAX_TOKENS") return "length";
  return expected.toolCalls.length > 0 ? "tool_calls" : "stop";
}
