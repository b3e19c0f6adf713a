import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import type {
  ProviderCodec,
  Target,
  UpstreamRequest,
} from "../../../../runtime/providers/codec.ts";

/** The abort reason when the client went away; the request then ends without a body. */
export class ClientDisconnected extends Error {
  constructor() {
    super("client disconnected");
    this.name = "ClientDisconnected";
  }
}

/** An abort controller tied to the client's request and to a deadline for the upstream. */
export class UpstreamAbort {
  readonly controller = new AbortController();
  #timer: ReturnType<typeof setTimeout> | null = null;

  /**
   * `timeoutMessage` replaces the default message of the timeout error, for a deadline that is
   * not the provider's own (what is left of a routing timeout).
   */
  constructor(
    clientSignal: AbortSignal,
    timeoutMs: number,
    provider: string,
    timeoutMessage = `Provider '${provider}' did not answer within ${timeoutMs} ms.`,
  ) {
    const onClientAbort = (): void => this.controller.abort(new ClientDisconnected());
    if (clientSignal.aborted) onClientAbort();
    else clientSignal.addEventListener("abort", onClientAbort, { once: true });

    this.#timer = setTimeout(() => {
      this.controller.abort(
        new NexusError("upstream_timeout", timeoutMessage, { status: 504, type: "timeout_error" }),
      );
    }, timeoutMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Stops the deadline, e.g. once a stream has started. */
  clearDeadline(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  abort(reason: unknown): void {
    this.clearDeadline();
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** The reason given to abort(), when the failure came from an abort. */
  get reason(): unknown {
    return this.controller.signal.aborted ? this.controller.signal.reason : undefined;
  }
}

/** How one request reaches its provider. */
export interface UpstreamCall {
  codec: ProviderCodec;
  target: Target;
  /** Whether the client asked for a stream. */
  stream: boolean;
  /** Registers a credential obtained on the way, so it is redacted like the configured ones. */
  addSecret(value: string): void;
}

/**
 * Sends the codec's request, through the codec's own transport when it has one; network
 * failures become NexusErrors with the provider's name.
 */
export async function callUpstream(
  request: UpstreamRequest,
  abort: UpstreamAbort,
  call: UpstreamCall,
): Promise<Response> {
  const fetchOne = (one: UpstreamRequest): Promise<Response> =>
    fetch(one.url, {
      method: one.method,
      headers: one.headers,
      body: one.method === "GET" ? undefined : one.body,
      signal: abort.signal,
      redirect: "manual",
    });

  try {
    const { codec, target, stream, addSecret } = call;
    if (codec.send === undefined) return await fetchOne(request);
    const context = { fetch: fetchOne, signal: abort.signal, stream, addSecret };
    return await codec.send(request, target, context);
  } catch (error) {
    throw upstreamFailure(error, abort, call.target.provider);
  }
}

/** Maps an error thrown while talking to the provider to what the client should see. */
export function upstreamFailure(error: unknown, abort: UpstreamAbort, provider: string): unknown {
  const abortReason = abort.reason;
  if (abortReason instanceof NexusError || abortReason instanceof ClientDisconnected) {
    return abortReason;
  }
  if (error instanceof NexusError) return error;
  // The runtime's message can carry hints meant for developers, so the client gets only the
  // error code (ECONNREFUSED, ECONNRESET, …).
  const code = (error as { code?: unknown }).code;
  const detail = typeof code === "string" ? ` (${code})` : "";
  return new NexusError(
    "upstream_unreachable",
    `Could not reach provider '${provider}'${detail}.`,
    { status: 502, type: "api_error", cause: error },
  );
}
