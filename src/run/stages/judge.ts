/**
 * Between executing and building products: whether what was read is enough to call it a result.
 * A scan that read nothing (every asset 404, every href refused) must not pass for a scan of
 * untouched forest: judged here, before anything is rendered or written (completeness.ts).
 */
import path from 'node:path';
import type { FoundItems } from '../../catalog/index.js';
import { IncompleteScanError } from '../../errors.js';
import {
  assessCompleteness,
  DEFAULT_MAX_LOST_SHARE,
  skipCountsText,
  type Completeness,
} from '../completeness.js';
import type { ScannedTile, SkippedItem } from '../runners/types.js';

/** The scan options the judgement reads. */
export interface JudgeOptions {
  /** The output folder, named in the refusal. */
  out: string;
  /** Let an incomplete scan through (it is marked so in every output). */
  allowPartial?: boolean;
  maxLostShare?: number;
}

export interface ScanRead {
  found: Pick<FoundItems, 'before' | 'after' | 'skipped'>;
  contexts: readonly ScannedTile[];
  skipped: readonly SkippedItem[];
}

/** `warn` gets the skip line: always shown, --quiet or not. */
export function judgeCompleteness(
  opts: JudgeOptions,
  read: ScanRead,
  warn: (line: string) => void,
): Completeness {
  const { found, contexts, skipped } = read;
  // The catalog's parse errors are free text: they are counted under one kind.
  const unparsed = new Set(found.skipped.map((s) => s.id));
  const completeness = assessCompleteness({
    found: {
      before: found.before.map((i) => i.id),
      after: found.after.map((i) => i.id),
      unparsed: [...unparsed],
    },
    used: {
      before: new Set(contexts.flatMap((c) => c.beforeItems)),
      after: new Set(contexts.flatMap((c) => c.afterItems.map((a) => a.id))),
    },
    skipped: skipped.map((s) => (unparsed.has(s.item) ? { ...s, kind: 'unusable STAC item' } : s)),
    maxLostShare: opts.maxLostShare ?? DEFAULT_MAX_LOST_SHARE,
  });
  const skipText = skipCountsText(completeness.skips);
  if (!completeness.complete && !opts.allowPartial)
    throw new IncompleteScanError(
      `scan incomplete: ${completeness.problem}; skipped: ${skipText || 'none'}; nothing written to ${path.resolve(opts.out)} (--allow-partial publishes it anyway)`,
    );
  // Reasons only in run.json are reasons nobody reads.
  if (skipped.length > 0)
    warn(
      `scan: ${completeness.used} of ${completeness.items} items used; skipped: ${skipText}${completeness.complete ? '' : ` (INCOMPLETE: ${completeness.problem})`}`,
    );
  return completeness;
}
