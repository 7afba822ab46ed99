import { pino } from 'pino';
import type { DestinationStream, LevelWithSilent } from 'pino';
import pinoPretty from 'pino-pretty';

/**
 * Structured logging on pino. There is no module-level logger: each process (or each in-process test
 * cluster member) builds its own with createLogger and passes it down in its context, and every line
 * carries that process's role and id.
 */
export type LogLevel = LevelWithSilent;

export interface LogFn {
  (message: string): void;
  (fields: Record<string, unknown>, message?: string): void;
}

/** The logging surface the engine codes against; `err` fields are serialised with stack and cause. */
export interface Logger {
  readonly level: string;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  isLevelEnabled(level: LogLevel): boolean;
  /** A logger adding `bindings` to every line (a space id, a client id), sharing this one's outputs. */
  child(bindings: Record<string, unknown>): Logger;
}

/** The root logger of a process: also owns its outputs. */
export interface ProcessLogger extends Logger {
  /** Writes out (and fsyncs) anything buffered for the log file. */
  flush(): Promise<void>;
  /** Flushes and closes the log file (the foreground stream is left open); later lines are dropped. */
  close(): Promise<void>;
}

export interface LoggerOptions {
  readonly role: string;
  readonly id: number | string;
  readonly level: LogLevel;
  /** Append JSON lines here (directories are created); the machine-readable record of the process. */
  readonly file?: string;
  /**
   * Human-readable lines on the foreground stream. Defaults to true when there is no file and the
   * foreground stream is a TTY; with a file and no `pretty: true`, nothing goes to the foreground.
   * Without a file and with `pretty: false`, JSON lines go to the foreground stream.
   */
  readonly pretty?: boolean;
  /** The foreground stream (default process.stdout); tests pass their own. */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

export function createLogger(options: LoggerOptions): ProcessLogger {
  const foreground = options.stream ?? process.stdout;
  const pretty = options.pretty ?? (options.file === undefined && foreground.isTTY === true);
  const file =
    // Buffer up to 4 KiB between writes (fewer syscalls from a busy tick); flush()/close() write it out,
    // so a crash handler logs fatal, then awaits flush() before exiting.
    options.file === undefined
      ? undefined
      : pino.destination({ dest: options.file, mkdir: true, sync: false, minLength: 4096 });

  let fileClosed = false;
  const outputs: DestinationStream[] = [];
  // A late callback logging during shutdown must not throw: lines after close() are dropped.
  if (file) outputs.push({ write: (line: string) => void (fileClosed || file.write(line)) });
  if (pretty) outputs.push(prettyOutput(foreground));
  else if (!file) outputs.push({ write: (line: string) => void foreground.write(line) });

  const base = pino(
    {
      level: options.level,
      base: { role: options.role, id: options.id, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // pino's level already filters; each output takes everything that got through.
    outputs.length === 1 ? outputs[0] : pino.multistream(outputs.map((stream) => ({ stream, level: 'trace' }))),
  );

  let closed: Promise<void> | undefined;
  return {
    get level() {
      return base.level;
    },
    trace: base.trace.bind(base),
    debug: base.debug.bind(base),
    info: base.info.bind(base),
    warn: base.warn.bind(base),
    error: base.error.bind(base),
    fatal: base.fatal.bind(base),
    isLevelEnabled: (level) => base.isLevelEnabled(level),
    child: (bindings) => base.child(bindings),
    flush: () => (fileClosed ? Promise.resolve() : flushFile(file)),
    close() {
      if (!closed) {
        fileClosed = true;
        closed = closeFile(file);
      }
      return closed;
    },
  };
}

/** Formats each JSON line synchronously into the foreground stream, with colours only on a TTY. */
function prettyOutput(out: NodeJS.WritableStream & { isTTY?: boolean }): DestinationStream {
  const format = pinoPretty.prettyFactory({
    colorize: out.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,role,id',
    messageFormat: '{role}#{id} {msg}',
    singleLine: true,
  });
  return { write: (line: string) => void out.write(format(line)) };
}

type FileDestination = ReturnType<typeof pino.destination>;

function flushFile(file: FileDestination | undefined): Promise<void> {
  if (!file) return Promise.resolve();
  return new Promise<void>((resolve, reject) => file.flush((err) => (err ? reject(err) : resolve())));
}

function closeFile(file: FileDestination | undefined): Promise<void> {
  if (!file) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    file.once('close', () => resolve());
    file.once('error', reject);
    file.end();
  });
}
