/** A virtual key as stored: the secret itself is never kept, only its HMAC digest. */
export interface VirtualKey {
  id: string;
  /** First characters of the secret, for people to recognise a key in lists. */
  prefix: string;
  name: string | null;
  org: string;
  project: string | null;
  /** Glob patterns over model names and aliases (`*` any run of characters, `?` one). */
  models: string[];
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  settings: KeySettings;
}

/**
 * What a provider cannot honour: `drop` leaves such parameters out and names them in the
 * `x-nexus-dropped-params` response header; `refuse` answers 400 naming them all.
 */
export type UnsupportedParamsPolicy = "drop" | "refuse";

/** Per-key behaviour; every field is optional so that new settings need no migration. */
export interface KeySettings {
  unsupportedParams?: UnsupportedParamsPolicy;
  /** False keeps this key's chat requests out of the answer cache; default true. */
  cache?: boolean;
}

export interface NewVirtualKey {
  name?: string;
  org: string;
  project?: string;
  models: string[];
  expiresAt?: number;
  settings?: KeySettings;
}

/**
 * Persistence of virtual keys; the embedded and production stores both implement it. Every
 * method is async because the production store is reached over the network.
 */
export interface KeyStore {
  insert(key: VirtualKey, digest: string): Promise<void>;
  findByDigest(digest: string): Promise<VirtualKey | undefined>;
  findById(id: string): Promise<VirtualKey | undefined>;
  list(): Promise<VirtualKey[]>;
  /** Resolves to false when no key has that id. */
  revoke(id: string, at: number): Promise<boolean>;
}
