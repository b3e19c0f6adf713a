import { WebhookError } from "./webhook-error.ts";
import {
  DELIVERY_ID_HEADER,
  REQUEST_ID_HEADER,
  SIGNATURE_HEADER,
  signatureHeader,
} from "./webhook-sign.ts";

/** Maximum response body read from a sync receiver, because edits may repeat every text. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** A stage's receiver, key and timeout, resolved once at boot from its config. */
export interface WebhookTarget {
  url: URL;
  secret: string;
  timeoutMs: number;
}

export interface DeliveryIds {
  requestId: string;
  deliveryId: string;
}

/** Formats the receiver's address without query or credentials, for logs and dead letters. */
export function describeTarget(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * POSTs a signed body and returns the receiver's parsed JSON response, or null when
 * `readResponse` is false. Throws WebhookError on a network error, a timeout of `timeoutMs`
 * (which covers reading the response too), `signal` aborting, or any status but 2xx.
 * Redirects count as failures and are not followed, so a receiver cannot send the body on to an
 * address that config never named.
 */
export async function postWebhook(
  target: WebhookTarget,
  body: string,
  ids: DeliveryIds,
  options: { readResponse: boolean; signal?: AbortSignal },
): Promise<unknown> {
  const timeout = AbortSignal.timeout(target.timeoutMs);
  const signal = options.signal === undefined
    ? timeout
    : AbortSignal.any([timeout, options.signal]);
  try {
    const response = await fetch(target.url, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        [SIGNATURE_HEADER]: signatureHeader(target.secret, body, Math.floor(Date.now() / 1000)),
        [REQUEST_ID_HEADER]: ids.requestId,
        [DELIVERY_ID_HEADER]: ids.deliveryId,
      },
      redirect: "manual",
      signal,
    });
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel();
      const redirect = response.status >= 300 && response.status < 400;
      const note = redirect ? " (redirects are not followed)" : "";
      throw new WebhookError(`returned HTTP ${response.status}${note}`);
    }
    if (!options.readResponse) {
      await response.body?.cancel();
      return null;
    }
    return parseJson(await readLimited(response, MAX_RESPONSE_BYTES));
  } catch (error) {
    throw failureOf(error, target, timeout);
  }
}

function failureOf(error: unknown, target: WebhookTarget, timeout: AbortSignal): WebhookError {
  if (error instanceof WebhookError) return error;
  if (timeout.aborted) return new WebhookError(`timed out after ${target.timeoutMs} ms`);
  if (error instanceof Error && error.name === "AbortError") {
    return new WebhookError("delivery aborted", { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new WebhookError(`unreachable: ${message}`, { cause: error });
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw new WebhookError(`response of ${declared} bytes is over the limit of ${maxBytes}`);
  }
  if (response.body === null) return "";

  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new WebhookError(`response is over the limit of ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new WebhookError("returned an invalid response: the body is not JSON");
  }
}
