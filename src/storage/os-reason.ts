import { constants } from 'node:os';

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/**
 * The operating system's reason inside a storage error, as an operator reads it: the errno name and its
 * text ("ENOSPC: No space left on device"). Node's fs errors carry a string code (and the name is
 * already in their message); LMDB's native errors carry the errno number, which is named here.
 */
export function osReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code: unknown = (err as { code?: unknown }).code;
  const name = typeof code === 'number' ? ERRNO_NAMES.get(code) : typeof code === 'string' ? code : undefined;
  if (name === undefined || err.message.includes(name)) return err.message;
  return `${name}: ${err.message}`;
}

/**
 * lmdb-js rejects a failed commit with an error whose `commitError` is a second, rejected promise
 * holding the OS error. Nothing else awaits that promise, so left alone it is an unhandled rejection
 * that ends the process, even when the write itself was caught. This takes it over and answers the
 * error inside it, or the error itself.
 */
export async function unwrapCommitError(err: unknown): Promise<unknown> {
  const inner: unknown = (err as { commitError?: unknown } | null)?.commitError;
  if (!(inner instanceof Promise)) return err;
  return inner.then(
    () => err,
    (reason: unknown) => reason,
  );
}
