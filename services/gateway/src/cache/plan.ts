import type { ChatRequest } from "../../../../runtime/canonical/chat.ts";
import {
  type CacheTarget,
  chatCacheKey,
  chatFingerprint,
} from "../../../../runtime/cache/chat-cache-key.ts";
import {
  answerCacheKey,
  type CacheApi,
  type CacheNamespace,
} from "../../../../runtime/cache/answer-cache-key.ts";
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
  /** The part of the route the key covers (see `routeCacheTarget`), else the first target. */
  routeTarget?: CacheTarget,
): CachePlan | null {
  const access = openCache(context, admitted, headers, record);
  if (access === null) return null;

  const { resolved } = admitted;
  const target = routeTarget ??
    { providerId: resolved.providerId, upstreamModel: resolved.model.upstreamModel };
  const fingerprint = chatFingerprint(body, target);
  const { namespace } = access;
  const storeKey = chatCacheKey(fingerprint, namespace, body.stream === true ? "stream" : "json");
  const prompt = semanticPrompt(body, target);
  return {
    key: storeKey,
    read: access.read,
    write: true,
    scope: cacheScopeOf(namespace),
    prompt,
    promptFingerprint: prompt?.fingerprint ?? storeKey,
  };
}

/** What a request's answer is, for the store key of an API without a semantic step. */
export interface AnswerSubject {
  api: CacheApi;
  stream: boolean;
  /** See `answerFingerprint`: everything that shapes the answer. */
  fingerprint: string;
}

/**
 * Decides whether the exact cache serves a request of another API than chat, as
 * `planChatCache` does, and records the outcome in the event. Returns null when bypassed.
 */
export function planAnswerCache(
  context: GatewayContext,
  admitted: CacheRequester,
  headers: Headers,
  record: RequestRecord,
  subject: AnswerSubject,
): CachePlan | null {
  const access = openCache(context, admitted, headers, record);
  if (access === null) return null;

  const mode = subject.stream ? "stream" : "json";
  const storeKey = answerCacheKey(subject.api, subject.fingerprint, access.namespace, mode);
  return {
    key: storeKey,
    read: access.read,
    write: true,
    scope: cacheScopeOf(access.namespace),
    prompt: null,
    promptFingerprint: storeKey,
  };
}

/** The parts of an admitted request that decide its cache use. */
type CacheRequester = Pick<Admitted<unknown>, "key" | "passthrough">;

/**
 * Returns whether the request may read the cache and whose answers it shares, or null after
 * recording why the cache is bypassed.
 */
function openCache(
  context: GatewayContext,
  admitted: CacheRequester,
  headers: Headers,
  record: RequestRecord,
): { read: boolean; namespace: CacheNamespace } | null {
  const directives = cacheControlDirectives(headers);
  const reason = bypassReason(context, admitted, directives);
  if (reason !== null) {
    record.addDetail("cache", "bypass");
    record.addDetail("cache_bypass_reason", reason);
    return null;
  }
  const { key } = admitted;
  const namespace = { org: key.org, keyId: context.cache?.perKey === true ? key.id : null };
  return { read: !directives.has("no-cache"), namespace };
}

function bypassReason(
  context: GatewayContext,
  admitted: CacheRequester,
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
