/**
 * The simulated Azure OpenAI resource, served under `/azure/`: Nexus's `baseUrl` for it is
 * `<simulator>/azure`, the resource endpoint.
 * NOTE: only the deployment API is served. Azure's newer `/openai/v1/…` routes, which need
 * no `api-version`, return 404 here.
 */

import { handleAzureChat, handleAzureEmbeddings } from "./azure-chat.ts";
import { azureErrorFor, azureHeaders, parseAzurePath } from "./azure-request.ts";
import { jsonPayload } from "./payload.ts";
import type { Handler, SimulatedProvider } from "./simulated-provider.ts";

function azureRoute(method: string, pathname: string): Handler | undefined {
  const target = method === "POST" ? parseAzurePath(pathname) : undefined;
  if (target === undefined) return undefined;

  const { deployment } = target;
  if (target.operation === "embeddings") {
    return (incoming, context) => handleAzureEmbeddings(incoming, context, deployment);
  }
  return (incoming, context) => handleAzureChat(incoming, context, deployment);
}

export const azureProvider: SimulatedProvider = {
  prefix: "/azure/",
  route: azureRoute,
  responseHeaders: (context) => azureHeaders(context),
  errorBody: (status) => azureErrorFor(status),
  notFound: (_incoming, context) => jsonPayload(404, azureHeaders(context).headers, azureErrorFor(404)),
};
