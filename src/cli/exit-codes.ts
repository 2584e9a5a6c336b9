/**
 * Every exit code minewatch uses, in one table: `minewatch --help` prints it and the README
 * carries the same rows (test/unit/exit-codes.test.ts keeps them in step).
 */
export const EXIT_CODES: readonly (readonly [code: string, meaning: string])[] = [
  ['0', 'done'],
  [
    '1',
    'the run failed while processing (a worker crashed or timed out, a distributed run failed); nothing published',
  ],
  ['2', 'invalid input: a flag, AOI, date, pipeline spec, URL or state folder (one line names it)'],
  ['3', 'the STAC API is unavailable or answered something that is not STAC'],
  ['4', 'no items found for a window (scan) or no baseline items (rescan)'],
  [
    '5',
    'the scan read too little to be a result: no usable pixels for a window, or more than --max-lost of its items lost; nothing published (--allow-partial publishes anyway)',
  ],
  ['10', 'done and new candidates found (rescan --exit-new only)'],
  ['70', 'internal error (a bug: please report it with the stack printed)'],
  [
    '73',
    'the outputs cannot be written (disk full, read-only, permissions) or the output folder was not created by minewatch; previous outputs unchanged',
  ],
  ['75', 'another run holds the output or state folder, or Redis stayed unreachable; try again later'],
  ['130, 143', 'stopped by SIGINT or SIGTERM; nothing written, state unchanged'],
  ['134', 'aborted by Node (out of memory): a bug, please report it'],
];

/** The table as `--help` shows it. */
export function exitCodesHelp(): string {
  const width = Math.max(...EXIT_CODES.map(([c]) => c.length));
  return `\nExit codes:\n${EXIT_CODES.map(([c, m]) => `  ${c.padEnd(width)}  ${m}`).join('\n')}\n`;
}

/** The table as the README shows it. */
export function exitCodesMarkdown(): string {
  return ['| exit | meaning |', '|---|---|', ...EXIT_CODES.map(([c, m]) => `| ${c} | ${m} |`)].join('\n');
}
