import { NexusError } from "../../../../runtime/errors/nexus-error.ts";
import { upstreamFailure, type UpstreamAbort } from "./call.ts";

/** Reads a provider's JSON response; a body that is not JSON becomes a 502 naming the provider. */
export async function readUpstreamJson(
  response: Response,
  abort: UpstreamAbort,
  provider: string,
): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw upstreamFailure(error, abort, provider);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new NexusError(
      "upstream_invalid_response",
      `Provider '${provider}' sent an answer that is not valid JSON.`,
      { status: 502, type: "api_error", cause: error },
    );
  }
}
