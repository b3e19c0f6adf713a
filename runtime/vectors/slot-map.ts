import { vectorError } from "./vector-error.ts";

/**
 * Maps string ids to the integer slots of a vector store. A removed id's slot goes on a free
 * list and the next new id takes it, so the store only grows when every slot is in use.
 */
export class SlotMap {
  private readonly slots = new Map<string, number>();
  private readonly ids: (string | undefined)[] = [];
  private readonly free: number[] = [];

  get size(): number {
    return this.slots.size;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  /** Returns the slot of `id`, assigning a free or new one when `id` has none. */
  assign(id: string): number {
    const existing = this.slots.get(id);
    if (existing !== undefined) return existing;

    const slot = this.free.pop() ?? this.ids.length;
    this.slots.set(id, slot);
    this.ids[slot] = id;
    return slot;
  }

  /** Forgets `id` and returns its slot, or undefined when it has none. */
  release(id: string): number | undefined {
    const slot = this.slots.get(id);
    if (slot === undefined) return undefined;

    this.slots.delete(id);
    this.ids[slot] = undefined;
    this.free.push(slot);
    return slot;
  }

  /** Forgets the slot assigned to `id` by a failed add, as if `assign` had not run. */
  unassign(id: string, slot: number): void {
    this.release(id);
    // A slot past the end that was never used is not kept as free.
    if (slot === this.ids.length - 1) {
      this.free.pop();
      this.ids.length = slot;
    }
  }

  idOf(slot: number): string {
    const id = this.ids[slot];
    if (id === undefined) throw vectorError(`slot ${slot} has no id`);
    return id;
  }
}
