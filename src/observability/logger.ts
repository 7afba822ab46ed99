import { pino } from 'pino';
import type { DestinationStream, LevelWithSilent } from 'pino';
import pinoPretty from 'pino-pretty';
import { openLogFile, type LogRotation } from './log-file.ts';

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
  /** Size-based rotation of `file` (log-file.ts); without it the file grows. */
  readonly rotation?: LogRotation;
  /**
   * Human-readable lines on the foreground stream. Defaults to true when there is no file and the
   * foreground stream is a TTY; with a file and no `pretty: true`, nothing goes to the foreground.
   * Without a file and with `pretty: false`, JSON lines go to the foreground stream.
   */
  readonly pretty?: boolean;
  /**
   * Colours in the pretty lines; default: whether the foreground stream is a TTY. A role in the
   * foreground writes to a pipe its CLI reads, so the CLI says whether its own terminal is one.
   */
  readonly color?: boolean;
  /** The foreground stream (default process.stdout); tests pass their own. */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

export function createLogger(options: LoggerOptions): ProcessLogger {
  const foreground = options.stream ?? process.stdout;
  const pretty = options.pretty ?? (options.file === undefined && foreground.isTTY === true);
  const file = options.file === undefined ? undefined : openLogFile(options.file, options.rotation);

  const outputs: DestinationStream[] = [];
  if (file) outputs.push({ write: (line: string) => file.write(line) });
  if (pretty) outputs.push(prettyOutput(foreground, options.color ?? foreground.isTTY === true));
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
    flush: () => file?.flush() ?? Promise.resolve(),
    close() {
      closed ??= file?.close() ?? Promise.resolve();
      return closed;
    },
  };
}

/** Formats each JSON line synchronously into the foreground stream, with colours when asked. */
function prettyOutput(out: NodeJS.WritableStream, colorize: boolean): DestinationStream {
  const format = pinoPretty.prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,role,id',
    messageFormat: '{role}#{id} {msg}',
    singleLine: true,
  });
  return { write: (line: string) => void out.write(format(line)) };
}
