import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { truncateInput } from "../../../runtime/errors/truncate-input.ts";
import type { VirtualKey } from "../../../runtime/identity/keys/types.ts";
import type { ProviderCodec, Target } from "../../../runtime/providers/codec.ts";
import type { RequestRecord } from "./request-record.ts";

/**
 * Applies the key's policy for parameters the provider cannot honour. Under `drop` (the
 * default) it returns a copy of the request without them and records their names for the
 * `x-nexus-dropped-params` header and the traffic event. Under `refuse` it throws one 400 that
 * names them all, so the client can fix the request in one go.
 */
export function applyParamPolicy(
  request: ChatRequest,
  codec: ProviderCodec,
  target: Target,
  key: VirtualKey,
  record: RequestRecord,
): ChatRequest {
  const unhonoured = codec.unhonouredChatParams?.(request, target) ?? [];
  if (unhonoured.length === 0) return request;

  if (key.settings.unsupportedParams === "refuse") {
    const names = unhonoured.map((name) => `'${truncateInput(name)}'`).join(", ");
    const pronoun = unhonoured.length === 1 ? "it" : "them";
    throw new NexusError(
      "unsupported_parameter",
      `The provider of model '${truncateInput(request.model)}' (type '${codec.type}') ` +
        `cannot honour ${names}. ` +
        `Remove ${pronoun}, or use a key whose unsupported-params policy is drop.`,
      { status: 400, type: "invalid_request_error", param: unhonoured[0] ?? null },
    );
  }

  const kept: ChatRequest = { ...request };
  for (const name of unhonoured) delete kept[name];
  record.setDroppedParams(unhonoured);
  return kept;
}
