/**
 * Builds an Anthropic-style message id (`msg_` and 24 hex digits). The provider's own id is
 * not reused, because its format (a UUID, `chatcmpl-…`) would tell the client which provider
 * responded, and it does not match Anthropic's.
 */
export function newMessageId(): string {
  return `msg_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

/**
 * Fits a provider's tool call id to Anthropic's id pattern (`^[a-zA-Z0-9_-]+$`). The client
 * sends the id back in `tool_result`, and providers only compare ids within one request, so a
 * rewritten id still pairs the call with its result.
 */
export function toolUseId(id: string | undefined): string {
  const cleaned = (id ?? "").replace(/[^a-zA-Z0-9_-]/g, "_");
  if (cleaned !== "") return cleaned;
  return `toolu_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
}
