import type { TargetCall } from "../routing/attempt-target.ts";
import type { ChatReply } from "../routing/chat-attempt.ts";

/** A canonical chat reply from a target that does not serve the route's own API. */
export interface TranslatedReply {
  kind: "translated";
  chat: ChatReply;
}

/**
 * Wraps a chat call so that its reply is marked `translated`, for a route that relays the
 * responses of targets serving its API and translates the others.
 */
export function translatedCall(chat: TargetCall<ChatReply>): TargetCall<TranslatedReply> {
  return {
    ...chat,
    read: async (upstream, abort) => ({
      kind: "translated", chat: await chat.read(upstream, abort),
    }),
  };
}
