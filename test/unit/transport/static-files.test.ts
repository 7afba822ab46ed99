import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentTypeOf, resolveStaticPath } from '../../../src/transport/static-files.ts';

const root = resolve('/srv/www');

describe('static file paths', () => {
  it.each([
    ['/', root],
    ['/index.html', join(root, 'index.html')],
    ['/a/b.js?v=3', join(root, 'a', 'b.js')],
    ['/with%20space.txt', join(root, 'with space.txt')],
    ['/a/./b.css', join(root, 'a', 'b.css')],
  ])('maps %s inside the root', (url, expected) => {
    expect(resolveStaticPath(root, url)).toBe(expected);
  });

  it.each([
    '/../etc/passwd',
    '/a/../../etc/passwd',
    '/%2e%2e/etc/passwd',
    '/a/%2e%2e%2f%2e%2e%2fetc/passwd',
    '/..%5cetc',
    '/a\\..\\..\\etc',
    '/nul%00.html',
    '/%E0%A4%A',
    'relative/path',
  ])('refuses %s', (url) => {
    expect(resolveStaticPath(root, url)).toBeNull();
  });

  it('knows the content types the example page needs', () => {
    expect(contentTypeOf('x/index.HTML')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('a.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('a.wasm')).toBe('application/wasm');
    expect(contentTypeOf('a.unknown')).toBe('application/octet-stream');
  });
});
