import type { Server } from "bun";
import type { ChatRequest } from "../../../runtime/canonical/chat.ts";
import type { DecodeContext, ProviderCodec, Target } from "../../../runtime/providers/codec.ts";

/** What the local upstream saw of the last request. */
export interface SeenRequest {
  path: string;
  authorization: string | null;
  body: Record<string, unknown>;
}

/**
 * A local upstream on 127.0.0.1 and port 0 that responds to every request with the body the test
 * sets, so a codec's encoded request really goes over a socket and its response really streams.
 */
export class FixtureUpstream {
  readonly server: Server<undefined>;
  seen: SeenRequest | null = null;
  private reply: { body: string; contentType: string } = { body: "{}", contentType: "text/plain" };

  constructor() {
    this.server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (request) => {
        this.seen = {
          path: new URL(request.url).pathname,
          authorization: request.headers.get("authorization"),
          body: (await request.json()) as Record<string, unknown>,
        };
        const headers = { "content-type": this.reply.contentType };
        return new Response(this.reply.body, { headers });
      },
    });
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.server.port}/v1`;
  }

  /** Sends `request` through `codec` and returns the upstream's response. */
  async send(codec: ProviderCodec, request: ChatRequest, reply: string): Promise<Response> {
    const streamed = request.stream === true;
    this.reply = { body: reply, contentType: streamed ? "text/event-stream" : "application/json" };

    const upstream = codec.encodeChatRequest(request, this.target());
    return fetch(upstream.url, {
      method: upstream.method,
      headers: upstream.headers,
      body: upstream.body,
    });
  }

  target(): Target {
    return {
      provider: "compat-test",
      baseUrl: this.baseUrl,
      apiKey: "test-key",
      headers: {},
      upstreamModel: "upstream-model",
    };
  }

  close(): void {
    this.server.stop(true);
  }
}

export const CLIENT_MODEL = "client-model";

export function decodeContext(stream: boolean): DecodeContext {
  return { clientModel: CLIENT_MODEL, request: { model: CLIENT_MODEL, messages: [], stream } };
}
