/** Splits a `text/event-stream` body into events (HTML Living Standard, "server-sent events"). */

export interface SseEvent {
  /** The `event:` field, when the event has one. */
  event?: string;
  /** The `data:` lines joined with "\n". */
  data: string;
}

/** Parses a whole stream body. Comment lines and events without data are dropped. */
export function parseSseEvents(body: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of body.split(/\r\n\r\n|\n\n|\r\r/)) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r\n|\n|\r/)) {
      const colon = line.indexOf(":");
      if (colon === 0) continue;
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      if (field === "data") data.push(value);
    }
    if (data.length === 0) continue;
    const joined = data.join("\n");
    events.push(event === undefined ? { data: joined } : { event, data: joined });
  }
  return events;
}
