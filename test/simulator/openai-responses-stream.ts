/**
 * Derives the Responses streaming events from a finished `response` object, in the order OpenAI
 * sends them: `response.created`, `response.in_progress`, then per output item its `added`
 * event, its part and delta events and its `done` events, and `response.completed` (or
 * `response.incomplete`). Every event carries a `sequence_number`.
 */

import { isRecord } from "./incoming-request.ts";
import { splitDeltas } from "./synthetic-answer.ts";

type Event = Record<string, unknown>;

export function responseEvents(response: Record<string, unknown>): Event[] {
  const events: Event[] = [];
  const push = (event: Event): void => {
    events.push({ ...event, sequence_number: events.length });
  };

  const pending = { ...response, status: "in_progress", output: [], usage: null };
  push({ type: "response.created", response: pending });
  push({ type: "response.in_progress", response: pending });
  const output = Array.isArray(response.output) ? response.output.filter(isRecord) : [];
  output.forEach((item, index) => itemEvents(item, index).forEach(push));

  const final = response.status === "incomplete" ? "response.incomplete" : "response.completed";
  push({ type: final, response });
  return events;
}

function itemEvents(item: Record<string, unknown>, outputIndex: number): Event[] {
  const where = { item_id: item.id, output_index: outputIndex };
  const events: Event[] = [];

  if (item.type === "message") {
    const parts = Array.isArray(item.content) ? item.content.filter(isRecord) : [];
    events.push({ type: "response.output_item.added", output_index: outputIndex,
      item: { ...item, status: "in_progress", content: [] } });
    parts.forEach((part, contentIndex) => {
      const text = String(part.text ?? "");
      const at = { ...where, content_index: contentIndex };
      events.push({ type: "response.content_part.added", ...at, part: { ...part, text: "" } });
      for (const delta of splitDeltas(text)) {
        events.push({ type: "response.output_text.delta", ...at, delta, logprobs: [] });
      }
      events.push({ type: "response.output_text.done", ...at, text, logprobs: [] });
      events.push({ type: "response.content_part.done", ...at, part });
    });
  } else if (item.type === "reasoning") {
    const summary = Array.isArray(item.summary) ? item.summary.filter(isRecord) : [];
    events.push({ type: "response.output_item.added", output_index: outputIndex,
      item: { ...item, summary: [] } });
    summary.forEach((part, summaryIndex) => {
      const text = String(part.text ?? "");
      const at = { ...where, summary_index: summaryIndex };
      events.push({ type: "response.reasoning_summary_part.added", ...at,
        part: { type: "summary_text", text: "" } });
      for (const delta of splitDeltas(text)) {
        events.push({ type: "response.reasoning_summary_text.delta", ...at, delta });
      }
      events.push({ type: "response.reasoning_summary_text.done", ...at, text });
      events.push({ type: "response.reasoning_summary_part.done", ...at, part });
    });
  } else if (item.type === "function_call") {
    const args = String(item.arguments ?? "");
    events.push({ type: "response.output_item.added", output_index: outputIndex,
      item: { ...item, status: "in_progress", arguments: "" } });
    for (const delta of splitDeltas(args, 12)) {
      events.push({ type: "response.function_call_arguments.delta", ...where, delta });
    }
    events.push({ type: "response.function_call_arguments.done", ...where,
      name: item.name, arguments: args });
  }
  events.push({ type: "response.output_item.done", output_index: outputIndex, item });
  return events;
}
