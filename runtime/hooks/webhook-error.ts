/**
 * A failed webhook call: unreachable, timed out, a non-2xx status or an invalid response. The
 * message names the failure and never includes the secret or any text of either body,
 * because the pipeline copies it into the audit event and, when failing closed, the client's
 * error.
 */
export class WebhookError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`webhook ${message}`, options);
    this.name = "WebhookError";
  }
}
