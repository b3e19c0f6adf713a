/** Frames one Anthropic stream event: its type in `event:` and its JSON in `data:`. */
export function frameEvent(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Anthropic's own keep-alive event, which Anthropic clients already skip, so it is sent
 * instead of an SSE comment line.
 */
export const PING_EVENT = "event: ping\ndata: {\"type\":\"ping\"}\n\n";
