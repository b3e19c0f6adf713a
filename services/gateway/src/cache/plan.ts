import type { ChatRequest } from "../../../../runtime/canonical/chat.ts";
import { chatCacheKey, chatFingerprint } from "../../../../runtime/cache/chat-cache-key.ts";
import { type SemanticPrompt, semanticPrompt } from "../../../../runtime/cache/semantic-prompt.ts";
import { cacheScopeOf } from "../../../../runtime/cache/semantic-scope.ts";
import type { Admitted } from "../admit.ts";
import type { GatewayContext } from "../context.ts";
import type { RequestRecord } from "../request-record.ts";

/** The cache use of one request: its store key, and whether it may read and write. */
export interface CachePlan {
  key: string;
  /** False under `cache-control: no-cache`: the answer is fetched anew, then stored. */
  read: boolean;
  write: boolean;
  /** Who may share the answer (see `cacheScopeOf`). */
  scope: string;
  /** The embedded prompt and its shape; null when the request has none to compare. */
  prompt: SemanticPrompt | null;
  /** The key a poison report blocks: the prompt's fingerprint, else the store key. */
  promptFingerprint: string;
}

/**
 * Decides whether the cache serves a chat request and records the outcome in the event. The
 * cache is bypassed when the config has it off, the `bypassCache` passthrough flag covers the
 * request, the key's settings opt out (`cache: false`), or the request sends
 * `cache-control: no-store`. Returns null when bypassed.
 */
export function planChatCache(
  context: GatewayContext,
  admitted: Admitted<ChatRequest>,
  body: ChatRequest,
  headers: Headers,
  record: RequestRecord,
): CachePlan | null {
  const directives = cacheControlDirectives(headers);
  const reason = bypassReason(context, admitted, directives);
  if (reason !== null) {
    record.addDetail("cache", "bypass");
    record.addDetail("cache_bypass_reason", reason);
    return null;
  }

  const { key, resolved } = admitted;
  const target = { providerId: resolved.providerId, upstreamModel: resolved.model.upstreamModel };
  const fingerprint = chatFingerprint(body, target);
  const namespace = { org: key.org, keyId: context.cache?.perKey === true ? key.id : null };
  const storeKey = chatCacheKey(fingerprint, namespace, body.stream === true ? "stream" : "json");
  const prompt = semanticPrompt(body, target);
  return {
    key: storeKey,
    read: !directives.has("no-cache"),
    write: true,
    scope: cacheScopeOf(namespace),
    prompt,
    promptFingerprint: prompt?.fingerprint ?? storeKey,
  };
}

function bypassReason(
  context: GatewayContext,
  admitted: Admitted<ChatRequest>,
  directives: Set<string>,
): string | null {
  if (context.cache === null || !context.cache.enabled) return "disabled";
  if (admitted.passthrough.bypassCache !== undefined) return "passthrough";
  if (admitted.key.settings.cache === false) return "key_setting";
  if (directives.has("no-store")) return "no-store";
  return null;
}

/** Returns the directive names of the request's `Cache-Control` header (RFC 9111 §5.2.1). */
function cacheControlDirectives(headers: Headers): Set<string> {
  const value = headers.get("cache-control") ?? "";
  const names = value.split(",").map((part) => part.split("=")[0]!.trim().toLowerCase());
  return new Set(names.filter((name) => name !== ""));
}
