import type { ChatResponse } from "../../../runtime/canonical/chat.ts";

/**
 * Sets `null` where a choice lacks a field that OpenAI's `CreateChatCompletionResponse` requires
 * but allows to be null: `logprobs`, and the message's `content` and `refusal`. Codecs of other
 * providers build no `logprobs`, and OpenAI-compatible servers such as Mistral leave out
 * `refusal`, and `content` next to tool calls.
 */
export function withRequiredNulls(answer: ChatResponse): ChatResponse {
  for (const choice of answer.choices) {
    choice.logprobs ??= null;
    if (typeof choice.message !== "object" || choice.message === null) continue;
    if (choice.message.content === undefined) choice.message.content = null;
    choice.message.refusal ??= null;
  }
  return answer;
}
