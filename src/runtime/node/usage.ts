import { settingsHelp } from '../../config.ts';
import { packageVersion } from '../../version.ts';

/** Answers --help and --version before anything starts; true when it did (the process then exits). */
export function answeredUsage(argv: readonly string[], write: (text: string) => void): boolean {
  if (argv.includes('--version')) {
    write(`${packageVersion()}\n`);
    return true;
  }
  if (!argv.includes('--help') && !argv.includes('-h')) return false;
  write(
    [
      `flash-sale server ${packageVersion()}`,
      '',
      'usage: node src/runtime/node/main.ts [--flag value ...]   (npm start -- --flag value)',
      '',
      'Each setting is a flag or an environment variable; a flag wins. Settings:',
      settingsHelp(),
      '',
      'LOG_LEVEL: debug, info (default), warn, error or silent; logs are JSON lines on stderr.',
      'ALARMS: a JSON array of alarm rules (README, "Alarms"); unset: more than 50 5XX answers in 60 s.',
      'SHUTDOWN_TIMEOUT_MS: on SIGTERM, how long requests in flight may take (default 10000).',
      '',
      '  --help       this text',
      '  --version    the version',
      '',
    ].join('\n'),
  );
  return true;
}
