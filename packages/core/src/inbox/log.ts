/** Where structured events go. Fields carry ids and durations; `event` is a stable name. */
export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** Lifecycle events of an inbound email, as emitted by the inbox and the worker. */
export type InboxEventName =
  | 'received'
  | 'duplicate'
  | 'routed'
  | 'delivered'
  | 'bounced'
  | 'ignored'
  | 'unrouted'
  | 'failed'
  | 'retry'
  | 'replayed'
  | 'incinerated';

export interface InboxEvent {
  event: InboxEventName;
  /** The inbound email's id (absent for batch events such as `incinerated`). */
  id?: string;
  [field: string]: unknown;
}

/** JSON lines: `{"time","level","event",…fields}`; one line per event. */
export function jsonLogger(stream: NodeJS.WritableStream = process.stdout): Logger {
  const write = (level: string, event: string, fields?: Record<string, unknown>) => {
    const line = { time: new Date().toISOString(), level, event, ...fields };
    stream.write(`${JSON.stringify(line, errorReplacer)}\n`);
  };
  return {
    info: (event, fields) => write('info', event, fields),
    warn: (event, fields) => write('warn', event, fields),
    error: (event, fields) => write('error', event, fields),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}

/** An error as kept in `last_error`: the message plus the first stack frame, so the line that threw is known. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const frame = error.stack?.split('\n').find((line) => line.trimStart().startsWith('at '));
  const head = `${error.name}: ${error.message}`;
  return frame ? `${head}\n${frame.trim()}` : head;
}
