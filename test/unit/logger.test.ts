import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { commandLogger, createLogger, logOptions, type LogFlags } from '../../src/cli/logger.js';
import { logEvents } from '../helpers/cli-process.js';

// The CLI's logger: one JSON event a line, `Noun:Verb` in msg, levels chosen by --quiet/--verbose.

/** A logger at the flags' level writing into a string instead of stderr. */
function captured(flags: LogFlags): { log: ReturnType<typeof createLogger>; text: () => string } {
  let text = '';
  const log = createLogger(flags, { write: (s: string): void => void (text += s) });
  return { log, text: () => text };
}

function emitAll(log: ReturnType<typeof createLogger>): void {
  log.debug({ n: 1 }, 'Probe:Debug');
  log.info({ n: 2 }, 'Probe:Info');
  log.warn({ n: 3 }, 'Probe:Warn');
  log.error({ n: 4 }, 'Probe:Error');
}

describe('cli logger', () => {
  it('writes one JSON event a line: level name, ISO time, pid, the fields and the event name', () => {
    const { log, text } = captured({});
    log.info({ job: 'tile-1', name: 'a\nworker: forged' }, 'TileJob:Started');
    const lines = text().trim().split('\n');
    expect(lines).toHaveLength(1);
    const [e] = logEvents(text());
    expect(e).toMatchObject({ level: 'info', msg: 'TileJob:Started', job: 'tile-1', pid: process.pid });
    expect(e?.name).toBe('a\nworker: forged');
    expect(new Date(String(e?.time)).toISOString()).toBe(e?.time);
  });

  it('default: info and above; --verbose adds debug; --quiet keeps warnings and errors', () => {
    const levels = (flags: LogFlags): string[] => {
      const { log, text } = captured(flags);
      emitAll(log);
      return logEvents(text()).map((e) => e.msg);
    };
    expect(levels({})).toEqual(['Probe:Info', 'Probe:Warn', 'Probe:Error']);
    expect(levels({ verbose: true })).toEqual(['Probe:Debug', 'Probe:Info', 'Probe:Warn', 'Probe:Error']);
    expect(levels({ quiet: true })).toEqual(['Probe:Warn', 'Probe:Error']);
    expect(levels({ quiet: true, verbose: true })).toEqual(['Probe:Warn', 'Probe:Error']);
  });

  it('--json on a command quiets stderr as --quiet does; in a test process a logger with no stream is silent', () => {
    expect(commandLogger({ json: true }).level).toBe('silent');
    expect(createLogger({ verbose: true }).level).toBe('silent');
    let text = '';
    const json = createLogger({ quiet: true }, { write: (s: string) => void (text += s) });
    expect(json.level).toBe('warn');
    json.info({}, 'Probe:Info');
    expect(text).toBe('');
  });

  it('--quiet and --verbose parse on a command', () => {
    const cmd = logOptions(new Command('x').exitOverride());
    cmd.parse(['--quiet', '--verbose'], { from: 'user' });
    expect(cmd.opts()).toEqual({ quiet: true, verbose: true });
  });
});
