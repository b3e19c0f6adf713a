import type { Server } from "bun";

/** What the local upstream saw of the last request. */
export interface SeenRequest {
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: Record<string, unknown>;
}

/** A local upstream on 127.0.0.1 and port 0 that records each request and returns `{}`. */
export class AzureUpstream {
  readonly server: Server<undefined>;
  seen: SeenRequest | null = null;

  constructor() {
    this.server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (request) => {
        const url = new URL(request.url);
        this.seen = {
          path: url.pathname,
          query: url.searchParams,
          headers: request.headers,
          body: (await request.json()) as Record<string, unknown>,
        };
        return Response.json({});
      },
    });
  }

  get origin(): string {
    return `http://127.0.0.1:${this.server.port}`;
  }

  close(): void {
    this.server.stop(true);
  }
}
