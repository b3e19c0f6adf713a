import type { ResolvedModel } from "../../../runtime/config/models.ts";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { truncateInput } from "../../../runtime/errors/truncate-input.ts";
import { compileModelScope } from "../../../runtime/identity/keys/model-scope.ts";
import type { VirtualKey } from "../../../runtime/identity/keys/types.ts";
import { readPresentedKey, verifyVirtualKey } from "../../../runtime/identity/keys/verify.ts";
import type { GatewayContext } from "./context.ts";

/** Scope checkers by key id; patterns never change after a key is created. */
const scopeCache = new Map<string, (model: string) => boolean>();

export function authenticate(context: GatewayContext, headers: Headers): Promise<VirtualKey> {
  return verifyVirtualKey(context.keys, context.hmacSecret, readPresentedKey(headers));
}

/** Reports whether the key may use the model under the name the client gave or its own name. */
export function keyAllowsModel(key: VirtualKey, requested: string, configured: string): boolean {
  let allows = scopeCache.get(key.id);
  if (allows === undefined) {
    allows = compileModelScope(key.models);
    scopeCache.set(key.id, allows);
  }
  return allows(requested) || allows(configured);
}

/** Resolves the requested model: 404 when it is not configured, 403 when the key may not use it. */
export function resolveModel(
  context: GatewayContext,
  key: VirtualKey,
  requested: string,
  kind: "chat" | "embedding",
): ResolvedModel {
  const resolved = context.catalog.find(requested);
  if (resolved === undefined || (resolved.model.kind ?? "chat") !== kind) {
    throw new NexusError(
      "model_not_found",
      `The model '${truncateInput(requested)}' does not exist or is not available for `
        + `${kind} requests.`,
      { status: 404, type: "not_found_error", param: "model" },
    );
  }
  if (!keyAllowsModel(key, requested, resolved.name)) {
    throw new NexusError(
      "model_not_allowed",
      `API key ${key.id} may not use the model '${truncateInput(requested)}'.`,
      { status: 403, type: "permission_error", param: "model" },
    );
  }
  return resolved;
}
