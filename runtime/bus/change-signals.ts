/**
 * What a change made on one node touches; every node drops its cached copy of that part when
 * the topic is notified. On `cache-semantic` each node reads the new semantic cache entries
 * from the Valkey change log (see semantic-sync.ts) rather than dropping anything.
 */
export type ChangeTopic = "keys" | "controls" | "config" | "cache-poison" | "cache-semantic";

/**
 * Tells every gateway node, the notifying one included, that stored state changed, so that a
 * change made on one node applies on every node within a second and without a restart. The
 * embedded store implements it within one machine; the production backends carry it on NATS.
 */
export interface ChangeSignals {
  /** Announces that `topic` changed; resolves once the signal is sent. */
  notify(topic: ChangeTopic): Promise<void>;
  /** Calls `onChange` whenever any node notifies `topic`; returns the function that stops it. */
  watch(topic: ChangeTopic, onChange: () => void): () => void;
  close(): Promise<void>;
}
