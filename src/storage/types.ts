/**
 * The storage seams. Both are deliberately small and shaped after what the game needs (GoWorld's KVDB
 * and entity storage), not after any backend's API, so LMDB, memory and Redis can all sit behind them.
 *
 * Every method is async even where a backend could answer synchronously (LMDB reads): the game loop
 * consumes storage results through its async queue either way, and a Redis backend must fit the same
 * shape. Failures reject with TsworldError: INVALID_ARGUMENT for a bad key or value, INVALID_STATE after
 * `close()`, STORAGE_FAILURE when the backend itself fails (its error is the `cause`).
 */

/**
 * A leaf or container that survives a msgpack round trip unchanged in every backend. Binary leaves load
 * back as a Uint8Array with the same bytes (under Node, a Buffer, which is a Uint8Array subclass).
 */
export type StoredValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | readonly StoredValue[]
  | { readonly [key: string]: StoredValue };

/** A persistent entity's attributes: a plain object of stored values (GoWorld's MapAttr). */
export type StoredData = { readonly [key: string]: StoredValue };

/** What a backend promises beyond the contract every backend meets; contract tests branch on these. */
export interface StorageCapabilities {
  /** Data survives `close()` and a reopen of the same location (and a process restart). */
  readonly durable: boolean;
  /** Several store instances (or processes) may open the same location and see each other's writes. */
  readonly sharedLocation: boolean;
}

/**
 * String → string key/value store (GoWorld's KVDB: accounts, name → id indexes, counters). Values are
 * strings, as in GoWorld and Redis; callers encode structured values themselves.
 */
export interface KvStore {
  readonly capabilities: StorageCapabilities;
  /** Resolves to the value, or undefined when the key is absent. */
  get(key: string): Promise<string | undefined>;
  /** Stores the value, replacing any previous one; resolves once the write is committed. */
  put(key: string, value: string): Promise<void>;
  /**
   * Atomically: if the key is present, resolves to its value and writes nothing; otherwise stores `value`
   * and resolves to undefined. Among any number of concurrent callers on one key (in this process or, for
   * shared backends, in others) exactly one sees undefined and all others see that caller's value.
   * GoWorld's GetOrPut was a get followed by a put and could not promise this.
   */
  getOrPut(key: string, value: string): Promise<string | undefined>;
  /** Waits for in-flight operations, then releases the backend; later calls reject with INVALID_STATE. */
  close(): Promise<void>;
}

export interface SaveOptions {
  /**
   * The fencing token `claim` gave this writer. The save is refused with STALE_GENERATION when a newer
   * generation was claimed since (another instance of the entity took over), and lands otherwise.
   * Without it the save is unfenced (tools, tests).
   */
  readonly generation?: number;
}

/** Saves and loads persistent entity attributes by (entity type name, entity id). */
export interface EntityStorage {
  readonly capabilities: StorageCapabilities;
  /** Stores a deep copy of `data`, replacing any previous save; resolves once committed. */
  save(typeName: string, entityId: string, data: StoredData, options?: SaveOptions): Promise<void>;
  /**
   * Atomically bumps and returns the entity's generation (1 for the first claim). A game claims an
   * entity when it activates it (loads or creates it) and saves with that generation, so a stale
   * instance (a game declared down but still running) can no longer overwrite the new one's saves.
   * Claiming does not make the entity exist (`exists`, `list` and `load` see saves only).
   */
  claim(typeName: string, entityId: string): Promise<number>;
  /** Resolves to a fresh copy of the last saved data, or undefined if the entity was never saved. */
  load(typeName: string, entityId: string): Promise<StoredData | undefined>;
  exists(typeName: string, entityId: string): Promise<boolean>;
  /** Ids of every saved entity of the type (GoWorld's ListEntityIDs); order is unspecified. */
  list(typeName: string): Promise<string[]>;
  /** Waits for in-flight operations, then releases the backend; later calls reject with INVALID_STATE. */
  close(): Promise<void>;
}
