/**
 * The filter properties game code set on each of this game's clients (setClientFilterProp). The gate
 * holds them for FILTERED_CALL, but a resumed client is a new connection, possibly on another gate: the
 * game keeps its own copy so it can set them again there, and the client keeps hearing its room.
 */
export interface ClientFilters {
  set(clientId: string, key: string, value: string): void;
  clear(clientId: string): void;
  /** The client came back as `clientId`: its properties, to be sent to its new gate. */
  rename(previous: string, clientId: string): ReadonlyMap<string, string>;
  forget(clientId: string): void;
  readonly size: number;
}

export function createClientFilters(): ClientFilters {
  const byClient = new Map<string, Map<string, string>>();
  return {
    set(clientId, key, value) {
      let props = byClient.get(clientId);
      if (!props) byClient.set(clientId, (props = new Map()));
      props.set(key, value);
    },
    clear(clientId) {
      byClient.delete(clientId);
    },
    rename(previous, clientId) {
      const props = byClient.get(previous) ?? new Map<string, string>();
      byClient.delete(previous);
      if (props.size > 0) byClient.set(clientId, props);
      return props;
    },
    forget(clientId) {
      byClient.delete(clientId);
    },
    get size() {
      return byClient.size;
    },
  };
}
