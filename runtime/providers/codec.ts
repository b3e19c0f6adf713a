import type { ChatChunk, ChatRequest, ChatResponse } from "../canonical/chat.ts";
import type { EmbeddingRequest, EmbeddingResponse } from "../canonical/embeddings.ts";
import type { NexusError } from "../errors/nexus-error.ts";

/** Destination of one request: the provider's settings and the model name it expects. */
export interface Target {
  /** Provider id from the config, e.g. `anthropic-main`. */
  provider: string;
  baseUrl: string;
  /** The credential, already read from the environment variable the config names. */
  apiKey: string | null;
  /** Extra headers the config sets for this provider (for example `anthropic-version`). */
  headers: Record<string, string>;
  upstreamModel: string;
  /** Cloud region and project, for providers that put them in the URL (vertex, bedrock). */
  region?: string;
  project?: string;
  /** Further credentials by role (see `credentialEnv` in the config), already read. */
  credentials?: Record<string, string>;
}

/** An HTTP request a codec builds; the gateway sends it and owns timeouts and cancellation. */
export interface UpstreamRequest {
  url: string;
  method: "POST" | "GET";
  headers: Record<string, string>;
  body: string;
}

/** What a codec's own transport gets from the gateway. */
export interface SendContext {
  /** Sends one HTTP request with the gateway's deadline and cancellation. */
  fetch(request: UpstreamRequest): Promise<Response>;
  signal: AbortSignal;
  /** Whether the client asked for a stream. */
  stream: boolean;
  /** Registers a credential the transport obtained (a minted token) for redaction. */
  addSecret(value: string): void;
}

/** Features of a provider, so the gateway can reject a request the provider cannot honour. */
export interface CodecCapabilities {
  /** Whether `n > 1` can be sent upstream. */
  multipleChoices: boolean;
  embeddings: boolean;
}

/** Facts about the request that a decoder needs to decode its response. */
export interface DecodeContext {
  /** Model name the client requested; responses report it instead of the upstream name. */
  clientModel: string;
  /** The canonical request as the client sent it (before encoding). */
  request: ChatRequest;
}

/**
 * One codec per provider wire format. A codec is pure translation: it builds upstream requests
 * and decodes upstream bodies, and never performs I/O itself except reading the stream it is
 * handed.
 */
export interface ProviderCodec {
  readonly type: string;
  readonly capabilities: CodecCapabilities;

  /**
   * The request's top-level fields that the codec would neither send nor translate, so the
   * gateway can drop them with a warning header or refuse them, as the key says. Absent when
   * the codec passes every field on.
   */
  unhonouredChatParams?(request: ChatRequest, target: Target): string[];

  /** Throws NexusError (`unsupported_parameter`) for a request the provider cannot honour. */
  encodeChatRequest(request: ChatRequest, target: Target): UpstreamRequest;

  decodeChatResponse(body: unknown, context: DecodeContext): ChatResponse;

  /**
   * Decodes a streamed response into canonical chunks. The last chunk always carries `usage` with
   * empty `choices`, whatever the client asked: the gateway needs usage for the traffic event and
   * drops that chunk when the client did not set `stream_options.include_usage`.
   * A stream that fails may first yield such a chunk flagged `usage_partial: true`, with the
   * usage reported so far, which the gateway records but never sends.
   * The iterator throws NexusError
   * (`upstream_stream_cut` or a mapped provider error) when the stream ends badly, after
   * yielding every chunk that arrived whole.
   */
  decodeChatStream(
    body: ReadableStream<Uint8Array>,
    context: DecodeContext,
  ): AsyncIterable<ChatChunk>;

  /**
   * Sends an encoded request for providers that need more than one plain HTTP call: a signature
   * computed over the final bytes (SigV4), an access token minted first (Vertex), or a
   * prediction that is polled (Replicate). The Response it returns is what the decoders read:
   * a non-2xx status goes to decodeError. Codecs without it are sent as they are.
   */
  send?(request: UpstreamRequest, target: Target, context: SendContext): Promise<Response>;

  /** Maps a non-2xx upstream response to the NexusError the client sees. */
  decodeError(status: number, headers: Headers, bodyText: string): NexusError;

  encodeEmbeddingRequest?(request: EmbeddingRequest, target: Target): UpstreamRequest;
  /**
   * Decodes an embeddings response. `encodingFormat` is the client's `encoding_format`, for
   * providers that always return floats and leave the base64 form to the codec.
   */
  decodeEmbeddingResponse?(
    body: unknown,
    clientModel: string,
    encodingFormat?: EmbeddingRequest["encoding_format"],
  ): EmbeddingResponse;
}
