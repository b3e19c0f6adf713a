/**
 * The JetStream streams, consumers and subjects Nexus uses. Every name derives from one prefix
 * so that tests (and separate deployments on one NATS account) never collide.
 */
export interface BusNames {
  /** Stream that stores every traffic event, on subjects `<prefix>.events.<org>`. */
  eventStream: string;
  eventSubjectPrefix: string;
  /**
   * Start records of requests, in batches on subjects `<prefix>.starts.nodes.<node>` of the
   * event stream, so a request cut by a lost gateway still leaves an event (see
   * open-request-tracker.ts).
   */
  startSubjectPrefix: string;
  /** Core NATS subjects `<prefix>.heartbeats.<node>` carry each gateway node's heartbeat. */
  heartbeatSubjectPrefix: string;
  /** Stream that keeps messages no consumer could decode, for a person to inspect. */
  deadLetterStream: string;
  deadLetterSubject: string;
  /** Core NATS subjects `<prefix>.changes.<topic>` carry config-change signals. */
  changeSubjectPrefix: string;
  /** Durable consumer that stores events in the event store. */
  writerConsumer: string;
  /** Durable consumer that keeps the start records of open requests in the store. */
  startConsumer: string;
  /** Durable consumer that feeds the SIEM forwarder. */
  siemConsumer: string;
}

/** The default prefix of a deployment. */
export const DEFAULT_BUS_PREFIX = "nexus";

/**
 * Derives every bus name from `prefix`, which must be a valid subject token and stream name
 * (letters, digits, `_` and `-`).
 */
export function busNames(prefix: string = DEFAULT_BUS_PREFIX): BusNames {
  if (!/^[A-Za-z0-9_-]+$/.test(prefix)) {
    throw new Error(`invalid bus prefix "${prefix}": use letters, digits, "_" and "-" only`);
  }
  const upper = prefix.toUpperCase();
  return {
    eventStream: `${upper}_EVENTS`,
    eventSubjectPrefix: `${prefix}.events`,
    startSubjectPrefix: `${prefix}.starts`,
    heartbeatSubjectPrefix: `${prefix}.heartbeats`,
    deadLetterStream: `${upper}_DEAD_LETTER`,
    deadLetterSubject: `${prefix}.dead-letter.events`,
    changeSubjectPrefix: `${prefix}.changes`,
    writerConsumer: `${prefix}-writer`,
    startConsumer: `${prefix}-starts`,
    siemConsumer: `${prefix}-siem`,
  };
}

/**
 * Returns the subject of an event of `org`, so a consumer can filter one org. The org is
 * percent-encoded (with `.` and `*` too, which subjects reserve). An event whose org is null
 * or empty goes to the token `%`, which percent-encoding never produces on its own.
 */
export function eventSubject(names: BusNames, org: string | null): string {
  return `${names.eventSubjectPrefix}.${subjectToken(org)}`;
}

/**
 * Returns the subject of a single start record, by org as `eventSubject` does. Only gateways
 * of an older version publish these; their spill files may still contain some.
 */
export function startSubject(names: BusNames, org: string | null): string {
  return `${names.startSubjectPrefix}.${subjectToken(org)}`;
}

/**
 * Returns the subject of the start batches of gateway node `nodeId`:
 * `<prefix>.starts.nodes.<node>`. It has one token more than `startSubject`, so the two never
 * collide, whatever the org is called.
 */
export function startBatchSubject(names: BusNames, nodeId: string): string {
  return `${names.startSubjectPrefix}.nodes.${subjectToken(nodeId)}`;
}

/** Returns the heartbeat subject of gateway node `nodeId`. */
export function heartbeatSubject(names: BusNames, nodeId: string): string {
  return `${names.heartbeatSubjectPrefix}.${subjectToken(nodeId)}`;
}

function subjectToken(value: string | null): string {
  return value === null || value === ""
    ? "%"
    : encodeURIComponent(value).replaceAll(".", "%2E").replaceAll("*", "%2A");
}
