import type { ChatMessage } from "../../../../runtime/canonical/chat.ts";
import { promptFingerprintOf, promptTextOf } from "../../../../runtime/cache/semantic-prompt.ts";
import { cacheScopeOf } from "../../../../runtime/cache/semantic-scope.ts";
import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import { truncateInput } from "../../../../runtime/errors/truncate-input.ts";
import { authenticate } from "../authorize.ts";
import type { ChatCache } from "../cache/chat-cache.ts";
import { removeReported } from "../cache/semantic-report.ts";
import type { GatewayContext } from "../context.ts";
import type { Exchange } from "../exchange.ts";
import { readJsonBody } from "../read-body.ts";
import { RequestRecord } from "../request-record.ts";
import { failRequest } from "./fail-request.ts";

const ROUTE = "/v1/cache/report";

/** A report names either the request that got the answer or the conversation it answered. */
type Report = { requestId: string } | { messages: ChatMessage[] };

/**
 * `POST /v1/cache/report`: a client reports a cached answer as bad. Its body is
 * `{ "request_id": "..." }` of a chat request that got the answer, or `{ "messages": [...] }`
 * of the conversation as sent. The answer is removed from the exact store and the semantic
 * index of the key's scope, and the prompt is never cached again in that scope.
 */
export async function handleCacheReport(
  context: GatewayContext,
  request: Request,
  exchange: Exchange,
): Promise<Response> {
  const record = new RequestRecord(context, exchange.ids, ROUTE);
  try {
    const key = await authenticate(context, request.headers);
    record.setKey(key);
    const cache = context.cache;
    if (cache === null || !cache.enabled) {
      throw invalid("The response cache is disabled in this gateway's config (see "
        + "cache.enabled), so there is nothing to report.", null, 404);
    }

    const report = parseReport((await readJsonBody(request, context.maxBodyBytes)).value);
    const scope = cacheScopeOf({ org: key.org, keyId: cache.perKey ? key.id : null });
    const removed = await applyReport(cache, scope, report);
    record.addDetail("cache_report_removed", removed);
    record.finish(200, null);
    return Response.json({ object: "cache.report", removed, blocked: true },
      { headers: record.responseHeaders() });
  } catch (error) {
    return failRequest(context, record, error);
  }
}

async function applyReport(cache: ChatCache, scope: string, report: Report): Promise<number> {
  if ("messages" in report) {
    const text = promptTextOf(report.messages);
    if (text === null) {
      throw invalid("'messages' must end with a user message of text content.", "messages");
    }
    return removeReported(cache, scope, new Set([promptFingerprintOf(text)]));
  }

  // Another scope's request ids are treated as unknown, so a report never reveals them.
  const served = await cache.guard.served(report.requestId);
  if (served === undefined || served.scope !== scope) {
    const quoted = truncateInput(report.requestId);
    throw invalid(`No cached response was served to request '${quoted}' in this key's scope; `
      + "the request may be older than the cache TTL. Report its 'messages' instead.",
    "request_id", 404);
  }
  const fingerprints = new Set([served.promptFingerprint]);
  // A semantic hit served another prompt's answer; that prompt is blocked as well.
  const storedPrompt = served.storedPromptFingerprint ?? cache.guard.promptOf(served.storeKey)
    ?? (await cache.semantic?.entries?.get(scope, served.storeKey, Date.now()))?.promptFingerprint;
  if (storedPrompt !== undefined) fingerprints.add(storedPrompt);
  return removeReported(cache, scope, fingerprints, [served.storeKey]);
}

function parseReport(value: unknown): Report {
  const body = typeof value === "object" && value !== null ? value as Record<string, unknown> : {};
  if (typeof body.request_id === "string" && body.request_id !== "") {
    return { requestId: body.request_id };
  }
  const messages = body.messages;
  const valid = Array.isArray(messages) && messages.length > 0 && messages.every((message) =>
    typeof message === "object" && message !== null && typeof message.role === "string");
  if (!valid) {
    throw invalid("The body must be a JSON object with 'request_id' (string) or 'messages' "
      + "(non-empty array of chat messages).", null);
  }
  messages.forEach(checkContent);
  return { messages: messages as ChatMessage[] };
}

/** Roles whose messages carry no text of their own when they call tools instead. */
const ROLES_WITH_OPTIONAL_CONTENT = new Set(["assistant", "function"]);

/**
 * Rejects a message without usable content, as the chat route's upstreams would: every role
 * but an assistant's (which may send only tool calls) needs a string or an array of parts.
 * Without this check a user message with no content reported the prompt "" as bad.
 */
function checkContent(message: Record<string, unknown>, index: number): void {
  const content = message.content;
  const param = `messages.${index}.content`;
  if (content === undefined || content === null) {
    if (ROLES_WITH_OPTIONAL_CONTENT.has(message.role as string)) return;
    throw invalid(`The field '${param}' is required.`, param);
  }
  const parts = Array.isArray(content) && content.every((part) =>
    typeof part === "object" && part !== null && typeof part.type === "string");
  if (typeof content !== "string" && !parts) {
    throw invalid(`Invalid value for '${param}': use a string or an array of content parts.`,
      param);
  }
}

function invalid(message: string, param: string | null, status = 400): NexusError {
  return new NexusError("invalid_request", message, {
    status,
    type: "invalid_request_error",
    param,
  });
}
