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
    const failure = upstreamFailure(error, abort, provider);
    const unreachable = failure instanceof NexusError && failure.code === "upstream_unreachable";
    if (!unreachable) throw failure;
    // The provider was reached and began its response, then the connection broke.
    throw new NexusError(
      "upstream_invalid_response",
      `Provider '${provider}' broke off its response before it was complete.`,
      { status: 502, type: "api_error", cause: error },
    );
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
