import { NexusError, toNexusError } from "../../../../runtime/errors/nexus-error.ts";
import { admitQuota } from "../quota/admit-quota.ts";
import { requestIdsFor } from "../request-id.ts";
import { RequestRecord } from "../request-record.ts";
import { ClientDisconnected } from "../upstream/call.ts";
import { targetFor } from "../upstream/target.ts";
import type { SemanticCache } from "./semantic-cache.ts";
import type { CachedChatInput } from "./serve.ts";

/**
 * Route of the traffic event of an embedding call the semantic cache makes. It is not
 * `/v1/embeddings`, so that the gateway's own calls stay apart from client traffic in reports.
 */
export const SEMANTIC_EMBEDDING_ROUTE = "internal:cache-semantic-embedding";

/** The outcome of an embedding call of the semantic cache. */
export interface EmbeddingCall {
  /** The prompt's embedding; null when the call was rejected or failed. */
  vector: Float32Array | null;
  /** Request id of the call's own traffic event. */
  requestId: string;
  /** Reason there is no vector: a hard quota rejected the call, or the call failed. */
  failure: "quota_exceeded" | "failed" | null;
  /** The failure's error, for the log. */
  error: unknown;
}

/**
 * Embeds a chat request's prompt as a request of its own. The call is charged to the chat
 * key's quotas against the embedding model, reserved and then settled with the provider's
 * usage. It writes its own traffic event, whose detail names the chat request as
 * `parent_request_id`. Throws `ClientDisconnected` when the chat client leaves during the call.
 */
export async function callEmbedding(
  input: CachedChatInput,
  semantic: SemanticCache,
  text: string,
): Promise<EmbeddingCall> {
  const { context, record: parent } = input;
  const { modelName, resolved } = semantic.embed;
  const record = new RequestRecord(context,
    { requestId: requestIdsFor(new Headers()).requestId, clientRequestId: null },
    SEMANTIC_EMBEDDING_ROUTE);
  if (parent.key !== null) record.setKey(parent.key);
  record.setModel(modelName, resolved);
  record.setRequestChars(text.length);
  record.addTargetSecrets(targetFor(resolved));
  record.addDetail("parent_request_id", parent.requestId);

  try {
    if (parent.key !== null) {
      await admitQuota(context, record,
        { key: parent.key, resolved, body: { input: text }, requestChars: text.length },
        "embedding");
    }
    const embedding = await semantic.embed.embed(text, input.request.signal,
      (value) => record.addSecret(value));
    record.setUsage(embedding.usage);
    record.finish(200, null);
    return { vector: embedding.vector, requestId: record.requestId, failure: null, error: null };
  } catch (error) {
    if (error instanceof ClientDisconnected || input.request.signal.aborted) {
      record.finish(499, "client_disconnected");
      throw new ClientDisconnected();
    }
    const failure = record.publicError(toNexusError(error));
    record.finish(failure.status, failure.code);
    const rejected = error instanceof NexusError && error.code === "quota_exceeded";
    return {
      vector: null,
      requestId: record.requestId,
      failure: rejected ? "quota_exceeded" : "failed",
      error: failure,
    };
  }
}
