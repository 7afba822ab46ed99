import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export interface StaticResponse {
  status: 200 | 400 | 403 | 404;
  contentType: string;
  body: Uint8Array;
}

const text = (status: StaticResponse['status'], message: string): StaticResponse => ({
  status,
  contentType: 'text/plain; charset=utf-8',
  body: new TextEncoder().encode(message),
});

/**
 * Maps a request URL to a file inside `root`, refusing anything that would leave it: `..` segments
 * (raw or percent-encoded), backslashes, NUL bytes. Returns null for a refused path.
 */
export function resolveStaticPath(root: string, url: string): string | null {
  const rawPath = url.split('?', 1)[0].split('#', 1)[0];
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (!path.startsWith('/') || path.includes('\0') || path.includes('\\')) return null;
  if (path.split('/').some((segment) => segment === '..')) return null;
  const base = resolve(root);
  const full = resolve(join(base, path));
  if (full !== base && !full.startsWith(base + sep)) return null;
  return full;
}

/** Serves one GET: the file, or index.html of a directory; 403 for a refused path, 404 otherwise. */
export async function serveStatic(root: string | undefined, url: string): Promise<StaticResponse> {
  if (root === undefined) return text(404, 'not found');
  let path = resolveStaticPath(root, url);
  if (path === null) return text(403, 'forbidden');
  try {
    if ((await stat(path)).isDirectory()) path = join(path, 'index.html');
    const body = await readFile(path);
    return { status: 200, contentType: contentTypeOf(path), body };
  } catch {
    return text(404, 'not found');
  }
}

export const STATUS_LINES = {
  200: '200 OK',
  400: '400 Bad Request',
  403: '403 Forbidden',
  404: '404 Not Found',
  429: '429 Too Many Requests',
  503: '503 Service Unavailable',
} as const;

/** Seconds a refused upgrade is told to wait; short, since a slot frees as soon as a client leaves. */
export const RETRY_AFTER_SEC = 5;
