import type { NexusError } from "../errors/nexus-error.ts";
import { killSwitchError } from "./kill-error.ts";
import { type EngagedControl, type RequestOwner, scopeCovers } from "./types.ts";

/** Ends one open stream with an in-band error. */
export type StreamEnder = (reason: NexusError) => void;

/**
 * The end functions of the open streams, each with the org and key of its request, so that a
 * kill switch can end exactly the streams it covers. A stream added without an owner is
 * covered only by the global tier.
 */
export class OpenStreams extends Set<StreamEnder> {
  readonly #owners = new Map<StreamEnder, RequestOwner | null>();

  /** Registers a stream with the org and key of its request. */
  addOwned(end: StreamEnder, owner: RequestOwner | null): this {
    this.#owners.set(end, owner);
    return super.add(end);
  }

  override add(end: StreamEnder): this {
    return this.addOwned(end, null);
  }

  override delete(end: StreamEnder): boolean {
    this.#owners.delete(end);
    return super.delete(end);
  }

  override clear(): void {
    this.#owners.clear();
    super.clear();
  }

  /** Ends every stream a kill switch in `kills` covers; returns how many were ended. */
  endCovered(kills: EngagedControl[]): number {
    let ended = 0;
    for (const [end, owner] of [...this.#owners]) {
      const kill = kills.find((control) =>
        control.tier === "global" || (owner !== null && scopeCovers(control, owner)));
      if (kill === undefined) continue;
      // Later sweeps skip a stream whose owner is forgotten, so its relay can wind down. The
      // end function stays in the set for shutdown.
      this.#owners.delete(end);
      end(killSwitchError(kill));
      ended += 1;
    }
    return ended;
  }
}
