/**
 * What a module below the CLI needs of a logger: events named `Noun:Verb`, facts as fields. The
 * CLI hands in its pino logger (src/cli/logger.ts), which has this shape; nothing below the CLI
 * imports pino or decides where lines go.
 */
export interface EventLog {
  error(fields: object, event: string): void;
  warn(fields: object, event: string): void;
  info(fields: object, event: string): void;
  debug(fields: object, event: string): void;
}

/** The log of a caller that gave none: library use and in-process tests stay quiet. */
export const SILENT_LOG: EventLog = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};
