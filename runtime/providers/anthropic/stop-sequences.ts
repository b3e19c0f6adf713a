/**
 * Stop sequences. Anthropic rejects a stop sequence that is empty or whitespace only
 * ("each stop sequence must contain non-whitespace"), so those are enforced here instead: the
 * decoders cut the answer text at the first match, as OpenAI does, and report finish_reason
 * "stop".
 */

import type { ChatRequest } from "../../canonical/chat.ts";

export interface StopPlan {
  /** Sequences sent upstream as `stop_sequences`. */
  upstream: string[];
  /** Whitespace-only sequences the decoders enforce on the answer text. */
  local: string[];
}

/** Splits the request's `stop` into what Anthropic accepts and what the gateway must enforce. */
export function planStopSequences(stop: ChatRequest["stop"]): StopPlan {
  let all: string[] = [];
  if (typeof stop === "string") all = [stop];
  else if (Array.isArray(stop)) all = stop;
  const plan: StopPlan = { upstream: [], local: [] };

  for (const sequence of all) {
    // An empty sequence matches nothing useful; OpenAI ignores it too.
    if (sequence === "") continue;
    if (sequence.trim() === "") plan.local.push(sequence);
    else plan.upstream.push(sequence);
  }
  return plan;
}

/**
 * Finds stop sequences in text that arrives in pieces. `push` returns the text that is safe to
 * emit, and holds back a tail that could be the start of a match completed by a later piece.
 */
export class StopScanner {
  private held = "";
  private matched = false;

  constructor(private readonly sequences: readonly string[]) {}

  /** Whether a stop sequence matched; all later text is dropped. */
  get stopped(): boolean {
    return this.matched;
  }

  push(text: string): string {
    if (this.matched) return "";
    if (this.sequences.length === 0) return text;

    const buffer = this.held + text;
    const cut = this.firstMatch(buffer);
    if (cut !== -1) {
      this.matched = true;
      this.held = "";
      return buffer.slice(0, cut);
    }

    const keep = this.partialMatchLength(buffer);
    this.held = buffer.slice(buffer.length - keep);
    return buffer.slice(0, buffer.length - keep);
  }

  /** Releases the held-back tail once no more text can arrive. */
  flush(): string {
    const text = this.held;
    this.held = "";
    return text;
  }

  private firstMatch(buffer: string): number {
    let cut = -1;
    for (const sequence of this.sequences) {
      const at = buffer.indexOf(sequence);
      if (at !== -1 && (cut === -1 || at < cut)) cut = at;
    }
    return cut;
  }

  /** Length of the longest buffer suffix that is a proper prefix of some stop sequence. */
  private partialMatchLength(buffer: string): number {
    let longest = 0;
    for (const sequence of this.sequences) {
      const max = Math.min(sequence.length - 1, buffer.length);
      for (let length = max; length > longest; length--) {
        if (buffer.endsWith(sequence.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
