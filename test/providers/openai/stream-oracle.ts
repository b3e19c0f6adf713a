/*
 * Test oracles for stream decoding, kept apart from the codec so they can disagree with it:
 * a plain reading of SSE `data:` payloads and a merge of chunks into what a client would show.
 */

type Json = Record<string, unknown>;

/**
 * Returns the JSON payloads of an SSE body up to `[DONE]`. Only lines that start with `data:`
 * count, as in the WHATWG rules, unless `lenient` is set, which also reads indented lines.
 */
export function readDataPayloads(sse: string, lenient = false): Json[] {
  const payloads: Json[] = [];
  for (const block of sse.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .map((line) => (lenient ? line.trimStart() : line))
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""))
      .join("\n");
    if (data === "") continue;
    if (data === "[DONE]") break;
    payloads.push(JSON.parse(data) as Json);
  }
  return payloads;
}

export interface MergedToolCall {
  id: string | undefined;
  name: string;
  arguments: string;
}

export interface MergedChoice {
  content: string;
  contentParts: unknown[];
  reasoning: string;
  toolCalls: Record<number, MergedToolCall>;
  finishReason: unknown;
}

export interface MergedStream {
  choices: Record<number, MergedChoice>;
  usage: unknown;
}

/** Merges chunk payloads per choice: text and arguments concatenated, the last usage kept. */
export function mergeChunks(chunks: readonly Json[]): MergedStream {
  const merged: MergedStream = { choices: {}, usage: null };
  for (const chunk of chunks) {
    if (chunk.usage !== undefined && chunk.usage !== null) merged.usage = chunk.usage;
    for (const choice of chunk.choices as Json[]) mergeChoice(merged, choice);
  }
  return merged;
}

function mergeChoice(merged: MergedStream, choice: Json): void {
  const index = choice.index as number;
  merged.choices[index] ??= {
    content: "",
    contentParts: [],
    reasoning: "",
    toolCalls: {},
    finishReason: null,
  };
  const target = merged.choices[index];
  const delta = choice.delta as Json;

  if (typeof delta.content === "string") target.content += delta.content;
  if (Array.isArray(delta.content)) target.contentParts.push(...delta.content);
  if (typeof delta.reasoning_content === "string") target.reasoning += delta.reasoning_content;
  if (choice.finish_reason !== null && choice.finish_reason !== undefined) {
    target.finishReason = choice.finish_reason;
  }

  const toolCalls = (delta.tool_calls ?? []) as Json[];
  toolCalls.forEach((call, position) => {
    // Mistral sends whole calls without `index`, so the position in the array is the index.
    const callIndex = typeof call.index === "number" ? call.index : position;
    const fn = (call.function ?? {}) as Json;
    target.toolCalls[callIndex] ??= { id: undefined, name: "", arguments: "" };
    const merging = target.toolCalls[callIndex];
    if (typeof call.id === "string") merging.id ??= call.id;
    if (typeof fn.name === "string" && fn.name !== "") merging.name = fn.name;
    if (typeof fn.arguments === "string") merging.arguments += fn.arguments;
  });
}
