/**
 * Every exit code minewatch uses, in one table: `minewatch --help` prints it and the README
 * carries the same rows (test/unit/exit-codes.test.ts keeps them in step).
 */
import { EXIT_CODES } from '../errors.js';

type ExitName = keyof typeof EXIT_CODES;

/** What each code means to a user, in the order of the codes. */
const MEANINGS: readonly (readonly [codes: readonly ExitName[], meaning: string])[] = [
  [['ok'], 'done'],
  [
    ['failed'],
    'the run failed while processing (a worker crashed or timed out, a distributed run failed); nothing published',
  ],
  [
    ['invalidInput'],
    'invalid input: a flag, AOI, date, pipeline spec, URL or state folder (one line names it)',
  ],
  [['stacUnavailable'], 'the STAC API is unavailable or answered something that is not STAC'],
  [['noItemsFound'], 'no items found for a window (scan) or no baseline items (rescan)'],
  [
    ['incomplete'],
    'the scan read too little to be a result: no usable pixels for a window, or more than --max-lost of its items lost; nothing published (--allow-partial publishes anyway)',
  ],
  [['newCandidates'], 'done and new candidates found (rescan --exit-new only)'],
  [['internal'], 'internal error (a bug: please report it with the stack printed)'],
  [
    ['cannotWrite'],
    'the outputs cannot be written (disk full, read-only, permissions) or the output folder was not created by minewatch; previous outputs unchanged',
  ],
  [
    ['tryAgain'],
    'another run holds the output or state folder, or Redis stayed unreachable; try again later',
  ],
  [
    ['timedOut'],
    'the run passed --timeout and stopped; nothing written, previous outputs and state unchanged',
  ],
  [['interrupted', 'terminated'], 'stopped by SIGINT or SIGTERM; nothing written, state unchanged'],
  [['aborted'], 'aborted by Node (out of memory): a bug, please report it'],
];

/** Every exit code with its meaning; codes come from src/errors.ts EXIT_CODES, the one list. */
export const EXIT_CODE_TABLE: readonly (readonly [code: string, meaning: string])[] = MEANINGS.map(
  ([names, meaning]) => [names.map((n) => String(EXIT_CODES[n])).join(', '), meaning] as const,
);

/** The table as `--help` shows it. */
export function exitCodesHelp(): string {
  const width = Math.max(...EXIT_CODE_TABLE.map(([c]) => c.length));
  return `\nExit codes:\n${EXIT_CODE_TABLE.map(([c, m]) => `  ${c.padEnd(width)}  ${m}`).join('\n')}\n`;
}

/** The table as the README shows it. */
export function exitCodesMarkdown(): string {
  return ['| exit | meaning |', '|---|---|', ...EXIT_CODE_TABLE.map(([c, m]) => `| ${c} | ${m} |`)].join(
    '\n',
  );
}
