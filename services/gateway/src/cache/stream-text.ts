import type { ChatChunk } from "../../../../runtime/canonical/chat.ts";

/**
 * Returns the text a stream carries, joined per channel (each choice's content, reasoning,
 * refusal and each tool call's arguments), as one comparable string. Chunk boundaries do not
 * count, because the response scanner may move text between chunks without changing it.
 */
export function streamText(chunks: readonly ChatChunk[]): string {
  const channels = new Map<string, string>();
  const add = (channel: string, text: string | null | undefined): void => {
    if (typeof text === "string" && text !== "") {
      channels.set(channel, (channels.get(channel) ?? "") + text);
    }
  };

  for (const chunk of chunks) {
    for (const choice of chunk.choices) {
      const delta = choice.delta;
      add(`${choice.index}:content`, delta.content);
      add(`${choice.index}:reasoning`, delta.reasoning_content);
      add(`${choice.index}:refusal`, delta.refusal);
      for (const call of delta.tool_calls ?? []) {
        add(`${choice.index}:tool:${call.index}`, call.function?.arguments);
      }
    }
  }
  const sorted = [...channels].sort(([a], [b]) => a.localeCompare(b, "en"));
  return JSON.stringify(sorted);
}
