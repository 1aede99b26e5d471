export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** One JSON object a line, the shape CloudWatch Logs and most collectors parse as is. */
export function jsonLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  return {
    log(level, message, fields) {
      const record: Record<string, unknown> = { time: new Date().toISOString(), level, message, ...fields };
      const error = fields?.error;
      if (error instanceof Error)
        record.error = { name: error.name, message: error.message, stack: error.stack };
      write(`${JSON.stringify(record)}\n`);
    },
  };
}

export const silentLogger: Logger = { log: () => {} };
