import { describeError } from "../observability/log.ts";
import { DeliveryError } from "./delivery-error.ts";
import { httpFailure } from "./http-failure.ts";

/** Returns a URL fit for logs: scheme, host and path, without user info or query. */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** POSTs one batch; resolves on a 2xx response, else throws DeliveryError. */
export async function postBatch(
  url: URL,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", headers, body, signal, redirect: "error" });
  } catch (error) {
    throw new DeliveryError(`POST ${describeUrl(url)} failed: ${describeError(error)}`, "retry", {
      cause: error,
    });
  }

  const text = await response.text().catch(() => "");
  if (response.ok) return;
  throw httpFailure(describeUrl(url), response, text);
}
