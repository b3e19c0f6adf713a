import type {
  EmbeddingRequest,
  EmbeddingResponse,
} from "../../../../runtime/canonical/embeddings.ts";
import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import type { Attempted, TargetCall, TargetSetup } from "../routing/attempt-target.ts";
import { type RouteRequestInput, routeRequest } from "../routing/route-request.ts";
import { readUpstreamJson } from "../upstream/read-json.ts";

/** Deadline of a target whose provider sets no `timeoutMs`, in ms. */
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * Builds the embeddings call for one target through its codec. A provider type without an
 * embeddings API is a configuration mistake, so it is a 400 that no fallback hides.
 */
export function embeddingsCall(
  body: EmbeddingRequest,
  setup: TargetSetup,
): TargetCall<EmbeddingResponse> {
  const { codec, target } = setup;
  const decode = codec.decodeEmbeddingResponse?.bind(codec);
  if (codec.encodeEmbeddingRequest === undefined || decode === undefined) {
    throw new NexusError(
      "unsupported_parameter",
      `Provider type '${codec.type}' has no embeddings API.`,
      { status: 400, type: "invalid_request_error", param: "model" },
    );
  }
  return {
    request: codec.encodeEmbeddingRequest(body, target),
    stream: false,
    read: async (upstream, abort) => decode(
      await readUpstreamJson(upstream, abort, target.provider),
      body.model,
      body.encoding_format,
    ),
  };
}

/**
 * Sends an embeddings request along its planned route; the reply is the decoded answer.
 * This is the routed upstream call of the route, for the cache to wrap.
 */
export function routeEmbeddings(
  route: Omit<RouteRequestInput, "defaultTimeoutMs">,
  body: EmbeddingRequest,
): Promise<Attempted<EmbeddingResponse>> {
  return routeRequest({ ...route, defaultTimeoutMs: DEFAULT_TIMEOUT_MS },
    (setup) => embeddingsCall(body, setup));
}
