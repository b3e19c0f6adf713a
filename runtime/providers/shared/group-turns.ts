/**
 * Splits the OpenAI message list into system content and alternating user/assistant turns,
 * for providers that keep system text apart from the turns (Anthropic, Bedrock, Gemini).
 * Every system and developer message, also one in mid-conversation, joins the system content
 * in order, so its position among the turns is lost. Tool results are user content, and
 * consecutive messages of one role share a turn, so the results of parallel calls arrive
 * together in one user turn.
 */

import type { ChatMessage } from "../../canonical/chat.ts";
import type { NexusError } from "../../errors/nexus-error.ts";
import { roleError } from "./role-error.ts";

export interface Turn<Block> {
  role: "user" | "assistant";
  content: Block[];
}

/** A provider's encoders for each kind of message. `param` names the input in errors. */
export interface TurnEncoders<SystemBlock, Block> {
  /** Encodes the content of a system or developer message. */
  system(content: ChatMessage["content"], param: string): SystemBlock[];
  /** Encodes the content of a user message. */
  user(content: ChatMessage["content"], param: string): Block[];
  assistant(message: ChatMessage, param: string): Block[];
  toolResult(message: ChatMessage, param: string): Block;
  unsupportedParameter(param: string, reason: string): NexusError;
}

export function groupTurns<SystemBlock, Block>(
  messages: ChatMessage[],
  encoders: TurnEncoders<SystemBlock, Block>,
): { system: SystemBlock[]; turns: Turn<Block>[] } {
  const system: SystemBlock[] = [];
  const turns: Turn<Block>[] = [];

  messages.forEach((message, index) => {
    const param = `messages[${index}]`;
    switch (message.role) {
      case "system":
      case "developer":
        system.push(...encoders.system(message.content, `${param}.content`));
        break;
      case "user":
        appendTurn(turns, "user", encoders.user(message.content, `${param}.content`));
        break;
      case "tool":
        appendTurn(turns, "user", [encoders.toolResult(message, param)]);
        break;
      case "assistant":
        appendTurn(turns, "assistant", encoders.assistant(message, param));
        break;
      default:
        throw roleError(message.role, param, encoders.unsupportedParameter);
    }
  });
  return { system, turns };
}

/** Appends blocks to the last turn when it has the same role, since turns must alternate. */
function appendTurn<Block>(turns: Turn<Block>[], role: Turn<Block>["role"], blocks: Block[]) {
  if (blocks.length === 0) return;

  const last = turns.at(-1);
  if (last !== undefined && last.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}
