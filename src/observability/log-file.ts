import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { pino } from 'pino';

/**
 * A process's JSON-lines log file, rotated by size: once it reaches `maxBytes` it becomes `<file>.1`
 * (`.1` becomes `.2`, and so on; the oldest past `maxFiles` is deleted) and a new `<file>` starts, so the
 * current log keeps its name (status, the start error's log tail) and the directory stays bounded at
 * about (maxFiles + 1) × maxBytes across runs.
 */
export interface LogRotation {
  /** Rotate once the file holds this many bytes. */
  readonly maxBytes: number;
  /** Rotated files kept besides the current one. */
  readonly maxFiles: number;
  /** Called after each rotation (the role counts them in tsworld_log_rotations_total). */
  onRotate?(): void;
}

export interface LogFile {
  write(line: string): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** `<file>` → `<file>.1` → … → `<file>.<maxFiles>`, the last one dropped. */
function shift(path: string, maxFiles: number): void {
  rmSync(`${path}.${maxFiles}`, { force: true });
  for (let i = maxFiles - 1; i >= 1; i--) if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
  if (maxFiles >= 1) renameSync(path, `${path}.1`);
  else rmSync(path, { force: true });
}

export function openLogFile(path: string, rotation: LogRotation | undefined): LogFile {
  // Each line is written synchronously, as a daemon's stdout lines were: it is on disk when the next
  // statement runs (an operator or a test reading the file sees it; a kill -9 loses nothing), nothing is
  // ever in flight, so a rotation is exact and ordered. Engine logs are events, rate-limited where a
  // client could cause them, so a syscall per line is cheap.
  if (rotation !== undefined && sizeOf(path) >= rotation.maxBytes) shift(path, rotation.maxFiles);
  const dest = pino.destination({ dest: path, mkdir: true, sync: true });
  let size = sizeOf(path);
  let closed = false;
  // What is still buffered is written when the process exits (process.exit after a stop, a fatal error).
  const flushAtExit = () => {
    try {
      dest.flushSync();
    } catch {
      // nothing more can be done at exit
    }
  };
  process.on('exit', flushAtExit);
  const rotate = (): void => {
    dest.flushSync();
    try {
      shift(path, rotation!.maxFiles);
    } catch {
      return; // another process of this role rotated it meanwhile (a hot-swap successor): keep writing
    }
    dest.reopen();
    size = 0;
    rotation!.onRotate?.();
  };
  return {
    write(line) {
      // A late callback logging during shutdown must not throw: lines after close() are dropped.
      if (closed) return;
      dest.write(line);
      size += Buffer.byteLength(line);
      if (rotation !== undefined && size >= rotation.maxBytes) rotate();
    },
    flush: () => (closed ? Promise.resolve() : new Promise<void>((resolve, reject) => dest.flush((err) => (err ? reject(err) : resolve())))),
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      process.off('exit', flushAtExit);
      return new Promise<void>((resolve, reject) => {
        dest.once('close', () => resolve());
        dest.once('error', reject);
        dest.end();
      });
    },
  };
}
