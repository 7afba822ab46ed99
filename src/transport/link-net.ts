import { connect as netConnect, createServer } from 'node:net';
import { TsworldError } from '../core/errors.ts';
import { createLink } from './link.ts';
import type { Link, LinkOptions } from './link.ts';
import type { LinkSocket } from './link-socket.ts';

export interface LinkServer {
  readonly host: string;
  readonly port: number;
  /** Links currently open. */
  readonly links: ReadonlySet<Link>;
  /** Stops accepting, destroys every open link and resolves once the server is closed. */
  close(): Promise<void>;
}

export interface ListenLinksOptions extends LinkOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Called for each accepted link before any of its frames are delivered. */
  onLink?(link: Link): void;
}

/**
 * The accepting side's bookkeeping, shared by TCP and in-memory servers: every accepted socket becomes
 * a Link, is tracked until it closes, and is destroyed when the server closes.
 */
export function createLinkAcceptor(options: ListenLinksOptions): {
  accept(socket: LinkSocket): void;
  readonly links: ReadonlySet<Link>;
  destroyAll(): void;
} {
  const links = new Set<Link>();
  const sockets = new Set<LinkSocket>();
  return {
    links,
    accept(socket) {
      sockets.add(socket);
      const link = createLink(socket, {
        ...options,
        onClose(closedLink, error) {
          links.delete(closedLink);
          sockets.delete(socket);
          options.onClose?.(closedLink, error);
        },
      });
      links.add(link);
      options.onLink?.(link);
    },
    destroyAll() {
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** Accepts internal links over TCP (the dispatcher's side). */
export function listenLinks(options: ListenLinksOptions): Promise<LinkServer> {
  const acceptor = createLinkAcceptor(options);
  const server = createServer((socket) => acceptor.accept(socket));
  return new Promise((resolve, reject) => {
    server.once('error', (cause) => {
      reject(new TsworldError('TRANSPORT_FAILURE', `cannot listen on ${options.host}:${options.port}`, { cause }));
    });
    server.listen(options.port, options.host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      resolve({
        host: options.host,
        port,
        links: acceptor.links,
        close() {
          return new Promise<void>((done) => {
            server.close(() => done());
            acceptor.destroyAll();
          });
        },
      });
    });
  });
}

export interface ConnectLinkOptions extends LinkOptions {
  host: string;
  port: number;
  /** Give up connecting after this long; default 10 s. */
  connectTimeoutMs?: number;
}

/** Opens an internal link (the game's or gate's side). Rejects with TRANSPORT_FAILURE. */
export function connectLink(options: ConnectLinkOptions): Promise<Link> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: options.host, port: options.port });
    const timeout = setTimeout(() => {
      socket.destroy();
      reject(new TsworldError('TRANSPORT_FAILURE', `connect to ${options.host}:${options.port} timed out`));
    }, options.connectTimeoutMs ?? 10_000);
    const onError = (cause: Error) => {
      clearTimeout(timeout);
      reject(new TsworldError('TRANSPORT_FAILURE', `cannot connect to ${options.host}:${options.port}`, { cause }));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timeout);
      socket.off('error', onError);
      resolve(createLink(socket, options));
    });
  });
}

/**
 * Where internal links come from: TCP between processes, or memory for a whole cluster in one process
 * (memory-network.ts). Roles take one of these instead of calling listenLinks/connectLink directly.
 */
export interface LinkNetwork {
  readonly kind: 'tcp' | 'memory';
  listen(options: ListenLinksOptions): Promise<LinkServer>;
  connect(options: ConnectLinkOptions): Promise<Link>;
}

export function createTcpLinkNetwork(): LinkNetwork {
  return { kind: 'tcp', listen: listenLinks, connect: connectLink };
}
