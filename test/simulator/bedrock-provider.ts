/** The simulated Amazon Bedrock Runtime: Converse and ConverseStream at `/bedrock/`. */

import { handleBedrockConverse } from "./bedrock-converse.ts";
import {
  bedrockError,
  bedrockErrorFor,
  bedrockHeaders,
  errorTypeHeader,
  parseBedrockPath,
} from "./bedrock-request.ts";
import type { Handler, SimulatedProvider } from "./simulated-provider.ts";

function bedrockRoute(method: string, pathname: string): Handler | undefined {
  const target = method === "POST" ? parseBedrockPath(pathname) : undefined;
  if (target === undefined) return undefined;
  return (incoming, context) => handleBedrockConverse(incoming, context, target.stream);
}

export const bedrock: SimulatedProvider = {
  prefix: "/bedrock/",
  route: bedrockRoute,
  // Bedrock's error body carries no request id; the `x-amzn-requestid` header does.
  responseHeaders: (context) => ({ requestId: null, headers: bedrockHeaders(context) }),
  errorBody: (status) => bedrockErrorFor(status).body,
  errorHeaders: (status) => errorTypeHeader(bedrockErrorFor(status).type),
  notFound: (incoming, context) =>
    bedrockError(404, "UnknownOperationException", `Unknown operation: ${incoming.path}`, context),
};
