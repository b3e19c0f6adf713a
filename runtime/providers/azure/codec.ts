import type { ProviderCodec } from "../codec.ts";
import { decodeChatResponse } from "../openai/decode-chat-response.ts";
import { decodeChatStream } from "../openai/decode-chat-stream.ts";
import { decodeEmbeddingResponse, encodeEmbeddingRequest } from "../openai/embeddings.ts";
import { encodeChatRequest } from "../openai/encode-chat-request.ts";
import { decodeError } from "./decode-error.ts";
import { toDeploymentTarget, withApiVersion } from "./deployment-request.ts";

/**
 * The codec for Azure OpenAI deployments. Bodies are the OpenAI ones, built and read by the
 * OpenAI codec. `upstreamModel` names the deployment, `baseUrl` is the resource endpoint
 * (`https://<resource>.openai.azure.com`), and an `api-version` query on `baseUrl` picks the
 * API version. Azure's extra fields (`prompt_filter_results`, `content_filter_results`) and the
 * `content_filter` finish reason pass through to the client unchanged. The body keeps `model`
 * (the deployment name, as the OpenAI encoder sets it), although Azure picks the model by the
 * deployment in the path.
 */
export const azureCodec: ProviderCodec = {
  type: "azure",
  capabilities: { multipleChoices: true, embeddings: true },

  encodeChatRequest: (request, target) =>
    withApiVersion(encodeChatRequest(request, toDeploymentTarget(target)), target),
  decodeChatResponse,
  decodeChatStream,
  decodeError,

  encodeEmbeddingRequest: (request, target) =>
    withApiVersion(encodeEmbeddingRequest(request, toDeploymentTarget(target)), target),
  decodeEmbeddingResponse,
};
