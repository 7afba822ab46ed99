/** Transports: internal TCP links (gate ↔ dispatcher ↔ game) and the client WebSocket seam. Node only. */
export { createLink, DEFAULT_HIGH_WATERMARK_BYTES, DEFAULT_LOW_WATERMARK_BYTES, DEFAULT_MAX_PENDING_BYTES } from './link.ts';
export type { Link, LinkHandlers, LinkLimits, LinkOptions } from './link.ts';
export { listenLinks, connectLink } from './link-net.ts';
export type { LinkServer, ListenLinksOptions, ConnectLinkOptions } from './link-net.ts';
export { keepLinkOpen } from './reconnect.ts';
export type { ReconnectOptions, ReconnectingLink } from './reconnect.ts';
export { DEFAULTS as CLIENT_TRANSPORT_DEFAULTS } from './client-transport.ts';
export type {
  ClientTransport,
  ClientServer,
  ClientConnection,
  ClientListenOptions,
  ClientTransportHandlers,
  SendResult,
  TransportKind,
  TransportLog,
  UpgradeRefusal,
  UpgradeRequest,
} from './client-transport.ts';
export { selectClientTransport } from './select-transport.ts';
export type { TransportChoice } from './select-transport.ts';
export { createUwsTransport, loadUws } from './uws-transport.ts';
export type { LoadedUws, Uws } from './uws-transport.ts';
export { createWsTransport } from './ws-transport.ts';
export { resolveStaticPath, contentTypeOf } from './static-files.ts';
export { createTcpLinkNetwork, createLinkAcceptor } from './link-net.ts';
export type { LinkNetwork } from './link-net.ts';
export { createMemoryNetwork } from './memory-network.ts';
export type { MemoryNetwork } from './memory-network.ts';
export type { LinkSocket } from './link-socket.ts';
export { createMemoryClientNetwork } from './memory-client-transport.ts';
export type { MemoryClientNetwork, MemoryWebSocket } from './memory-client-transport.ts';
export { createParkingLink, type ParkingLink, type ParkingOptions } from './parking-link.ts';
