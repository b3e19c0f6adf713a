import type { ChatRequest } from "../../canonical/chat.ts";
import type { CompatProfile } from "./profile.ts";

/**
 * Returns a copy of `request` fitted to the profile: dropped fields removed, default fields
 * added where the client set none, and `reasoning_effort` turned into a `thinking` object for
 * providers that take one. The client's request is not changed.
 */
export function mapRequest(request: ChatRequest, profile: CompatProfile): ChatRequest {
  const mapped: ChatRequest = { ...request };
  for (const field of profile.dropParams) delete mapped[field];

  for (const [field, value] of Object.entries(profile.defaultParams ?? {})) {
    if (mapped[field] === undefined) mapped[field] = value;
  }

  if (profile.thinkingByEffort !== undefined) mapEffort(mapped, profile.thinkingByEffort);
  return mapped;
}

/**
 * Replaces `reasoning_effort` with `thinking: {type}`. A `thinking` field the client sent wins,
 * because it states the provider's own setting.
 */
function mapEffort(
  request: ChatRequest,
  table: Readonly<Record<string, "enabled" | "disabled">>,
): void {
  const effort = request.reasoning_effort;
  delete request.reasoning_effort;
  if (effort === undefined || effort === null || request.thinking !== undefined) return;

  const type = table[effort];
  if (type !== undefined) request.thinking = { type };
}
