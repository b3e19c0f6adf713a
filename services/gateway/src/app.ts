import { Elysia } from "elysia";
import { NexusError } from "../../../runtime/errors/nexus-error.ts";
import { openAIErrorResponse } from "../../../runtime/errors/openai-shape.ts";
import type { GatewayContext } from "./context.ts";
import { requestIdFor } from "./request-id.ts";
import { handleChatCompletions } from "./routes/chat-completions.ts";
import { handleEmbeddings } from "./routes/embeddings.ts";
import { handleListModels } from "./routes/models.ts";

interface ServerLike {
  timeout(request: Request, seconds: number): void;
}

/**
 * The gateway's HTTP surface. Bodies are read by the handlers (`parse: "none"`) so size limits
 * and JSON errors are enforced in one place and returned in the OpenAI error shape.
 */
export function createGatewayApp(context: GatewayContext) {
  // LLM answers can stay silent for minutes (long reasoning); Bun's idle timeout would cut them.
  const noIdleTimeout = (server: ServerLike | null, request: Request): void => {
    server?.timeout(request, 0);
  };

  return new Elysia({ normalize: false })
    .post(
      "/v1/chat/completions",
      ({ request, server }) => {
        noIdleTimeout(server, request);
        return handleChatCompletions(context, request, requestIdFor(request.headers));
      },
      { parse: "none" },
    )
    .post(
      "/v1/embeddings",
      ({ request, server }) => {
        noIdleTimeout(server, request);
        return handleEmbeddings(context, request, requestIdFor(request.headers));
      },
      { parse: "none" },
    )
    .get("/v1/models", ({ request }) =>
      handleListModels(context, request, requestIdFor(request.headers)),
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
      const requestId = requestIdFor(request.headers);
      if (code === "NOT_FOUND") {
        const failure = new NexusError(
          "route_not_found",
          `Unknown route: ${request.method} ${new URL(request.url).pathname}`,
          { status: 404, type: "invalid_request_error" },
        );
        return openAIErrorResponse(failure, requestId);
      }
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
