import { isRecord } from "./is-record.ts";

/*
 * Some OpenAI-format servers (Mistral among them) leave out `type`, and in streams `index`, on
 * tool calls. The stream helper of openai-node (ChatCompletionStream, v7.60) needs both,
 * because it places argument fragments by `index` and throws on a finished call without `type`.
 * The helpers below add what is missing and change nothing that was sent, so an index that
 * starts at 1 stays 1.
 */

/** Returns the tool calls of a response message with `type: "function"` added where missing. */
export function fillToolCallTypes(toolCalls: unknown): unknown {
  if (!Array.isArray(toolCalls) || !toolCalls.some(needsType)) return toolCalls;
  return toolCalls.map((call) => (needsType(call) ? { ...call, type: "function" } : call));
}

/**
 * Returns the tool-call deltas of a stream chunk with a missing `index` set to the delta's
 * position in the array, and `type: "function"` added to a delta that opens a call (has an id).
 */
export function fillToolCallDeltas(deltas: unknown): unknown {
  if (!Array.isArray(deltas)) return deltas;
  if (!deltas.some((delta) => needsIndex(delta) || needsType(delta))) return deltas;

  return deltas.map((delta: unknown, position) => {
    if (!isRecord(delta)) return delta;
    const filled: Record<string, unknown> = { ...delta };
    if (needsIndex(delta)) filled.index = position;
    if (needsType(delta)) filled.type = "function";
    return filled;
  });
}

function needsIndex(delta: unknown): delta is Record<string, unknown> {
  return isRecord(delta) && typeof delta.index !== "number";
}

function needsType(call: unknown): call is Record<string, unknown> {
  return isRecord(call) && typeof call.id === "string" && call.type === undefined;
}
