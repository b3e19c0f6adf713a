/**
 * Response headers that the recorded provider responses carry, with fake values: request
 * ids, rate-limit counters and processing times. Clients and the gateway read these, so
 * every simulated response has them, errors included.
 */

/** A fake organisation id; recordings carry the real one, which tests must not depend on. */
const ANTHROPIC_ORGANIZATION_ID = "00000000-0000-0000-0000-000000000000";

function remaining(limit: number, used: number): string {
  return String(Math.max(0, limit - used));
}

export function anthropicHeaders(requestId: string, tokens = 0): Headers {
  // Anthropic sends reset times as RFC 3339 timestamps with second precision.
  const reset = new Date(Math.ceil(Date.now() / 1000) * 1000).toISOString().replace(".000", "");

  const headers = new Headers({
    "request-id": requestId,
    "anthropic-organization-id": ANTHROPIC_ORGANIZATION_ID,
    "x-robots-tag": "none",
  });
  const limits = [
    ["requests", 20_000, 1],
    ["tokens", 4_800_000, tokens],
    ["input-tokens", 4_000_000, tokens],
    ["output-tokens", 800_000, 0],
  ] as const;
  for (const [name, limit, used] of limits) {
    headers.set(`anthropic-ratelimit-${name}-limit`, String(limit));
    headers.set(`anthropic-ratelimit-${name}-remaining`, remaining(limit, used));
    headers.set(`anthropic-ratelimit-${name}-reset`, reset);
  }
  return headers;
}

export function openaiHeaders(requestId: string, tokens = 0): Headers {
  return new Headers({
    "x-request-id": requestId,
    "openai-organization": "org-simulator",
    "openai-processing-ms": String(120 + (tokens % 400)),
    "openai-version": "2020-10-01",
    "access-control-expose-headers": "X-Request-ID",
    "x-ratelimit-limit-requests": "30000",
    "x-ratelimit-limit-tokens": "150000000",
    "x-ratelimit-remaining-requests": "29999",
    "x-ratelimit-remaining-tokens": remaining(150_000_000, tokens),
    "x-ratelimit-reset-requests": "2ms",
    "x-ratelimit-reset-tokens": "0s",
  });
}
