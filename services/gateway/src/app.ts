import { Elysia } from "elysia";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { openAIErrorResponse } from "../../../runtime/errors/openai-shape.ts";
import type { GatewayContext } from "./context.ts";
import type { Exchange } from "./exchange.ts";
import { requestIdsFor } from "./request-id.ts";
import { handleChatCompletions } from "./routes/chat-completions.ts";
import { handleEmbeddings } from "./routes/embeddings.ts";
import { handleListModels } from "./routes/models.ts";

interface ServerLike {
  timeout(request: Request, seconds: number): void;
}

/** The method each API route serves, for 405 answers to the others. */
const ROUTE_METHODS: Record<string, string> = {
  "/v1/chat/completions": "POST",
  "/v1/embeddings": "POST",
  "/v1/models": "GET",
};

function exchangeFor(request: Request, server: ServerLike | null): Exchange {
  return {
    ids: requestIdsFor(request.headers),
    holdOpen: () => server?.timeout(request, 0),
  };
}

/**
 * Builds the gateway's HTTP surface. Bodies are read by the handlers (`parse: "none"`), so size
 * limits and JSON errors are enforced in one place and returned in the OpenAI error shape.
 */
export function createGatewayApp(context: GatewayContext) {
  return new Elysia({ normalize: false })
    .post(
      "/v1/chat/completions",
      ({ request, server }) =>
        handleChatCompletions(context, request, exchangeFor(request, server)),
      { parse: "none" },
    )
    .post(
      "/v1/embeddings",
      ({ request, server }) => handleEmbeddings(context, request, exchangeFor(request, server)),
      { parse: "none" },
    )
    .get("/v1/models", ({ request, server }) =>
      handleListModels(context, request, exchangeFor(request, server)),
    )
    .get("/healthz", () => Response.json({ status: "ok" }))
    .get("/readyz", () =>
      context.isStoreReady()
        ? Response.json({ status: "ready" })
        : Response.json({ status: "not ready", reason: "store unavailable" }, { status: 503 }),
    )
    .get("/metrics", async () =>
      new Response(await context.metrics.registry.metrics(), {
        headers: { "content-type": context.metrics.registry.contentType },
      }),
    )
    .onError(({ code, request, error }) => {
      const { requestId } = requestIdsFor(request.headers);
      if (code === "NOT_FOUND") return routeMissing(request, requestId);
      context.logger.log("error", "request.unhandled", {
        request_id: requestId,
        error: String(error),
      });
      const failure = new NexusError("internal_error", "Internal error in the gateway.", {
        status: 500,
        type: "api_error",
      });
      return openAIErrorResponse(failure, requestId);
    });
}

function routeMissing(request: Request, requestId: string): Response {
  const path = new URL(request.url).pathname;
  const allowed = ROUTE_METHODS[path];
  if (allowed !== undefined) {
    const failure = new NexusError(
      "method_not_allowed",
      `${request.method} is not allowed on ${path}; use ${allowed}.`,
      { status: 405, type: "invalid_request_error" },
    );
    return openAIErrorResponse(failure, requestId, { allow: allowed });
  }
  const failure = new NexusError("route_not_found", `Unknown route: ${request.method} ${path}`, {
    status: 404,
    type: "invalid_request_error",
  });
  return openAIErrorResponse(failure, requestId);
}
