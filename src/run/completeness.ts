/**
 * How much of a scan's input was actually used, and whether that is enough to call it a result.
 * A scan whose every read failed produces "0 candidates" exactly like a scan of pristine forest;
 * this module tells the two apart, so the CLI can refuse to publish the first as a success.
 *
 * Pure: it sees the items found, the items whose pixels fed a composite, and the skip records.
 */

/** Share of items that may be lost to failures before a scan is refused (without --allow-partial). */
export const DEFAULT_MAX_LOST_SHARE = 0.5;

export interface SkipRecord {
  item: string;
  reason: string;
  /** Set where the reason is not one of the runner's own messages (the catalog's parse errors). */
  kind?: string;
}

/**
 * Skip reasons by kind, first match wins. The reasons are minewatch's own messages (catalog,
 * HTTP client, COG reader, planner, runner), so a fixed list of patterns names them all; anything
 * else is an unreadable asset. `benign` kinds are no loss: the item had nothing to give.
 */
const KINDS: readonly { pattern: RegExp; kind: string | ((m: RegExpExecArray) => string); benign?: true }[] =
  [
    { pattern: /^tile skipped:/, kind: 'tile without a usable item' },
    { pattern: /every pixel is nodata/, kind: 'no data over the tile', benign: true },
    {
      pattern: /acquisition on the same grid to compare with/,
      kind: 'nothing to compare with',
      benign: true,
    },
    {
      pattern: /rejected by the asset policy|refused by the allow policy/,
      kind: 'refused by the asset policy',
    },
    { pattern: /HTTP (\d{3})[^;]*;.*gave up after/, kind: (m) => `HTTP ${m[1] ?? ''} after retries` },
    { pattern: /gave up after/, kind: 'failed after retries' },
    { pattern: /HTTP (\d{3})/, kind: (m) => `HTTP ${m[1] ?? ''}` },
    { pattern: /timed out|no complete answer within|stalled/, kind: 'timed out' },
    { pattern: /network error/, kind: 'network error' },
    { pattern: /proj:transform|proj:shape|grid/, kind: 'grid metadata' },
    { pattern: /red overview/, kind: 'unreadable overview' },
  ];

export interface SkipKind {
  kind: string;
  benign: boolean;
  /** A tile record, not an item. */
  tile: boolean;
}

export function skipKind(reason: string): SkipKind {
  for (const k of KINDS) {
    const m = k.pattern.exec(reason);
    if (!m) continue;
    const kind = typeof k.kind === 'string' ? k.kind : k.kind(m);
    return { kind, benign: k.benign === true, tile: kind === 'tile without a usable item' };
  }
  return { kind: 'unreadable asset', benign: false, tile: false };
}

/** "3 HTTP 404, 2 refused by the asset policy" (most first, then by name); "" when none. */
export function skipCounts(skipped: readonly SkipRecord[]): Record<string, number> {
  const counts = new Map<string, number>();
  const seen = new Set<string>();
  for (const s of skipped) {
    const kind = s.kind ?? skipKind(s.reason).kind;
    // An item dropped by several tiles, or twice for one reason, counts once per kind.
    const key = `${s.item}\u0000${kind}`;
    if (seen.has(key)) continue;
    seen.add(key);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

export function skipCountsText(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}

export interface CompletenessInput {
  /** Every item the search gave for each window (duplicates dropped), and those it could not parse. */
  found: { before: readonly string[]; after: readonly string[]; unparsed: readonly string[] };
  /** Items whose pixels fed at least one composite. */
  used: { before: ReadonlySet<string>; after: ReadonlySet<string> };
  skipped: readonly SkipRecord[];
  maxLostShare: number;
}

export interface Completeness {
  /** Items the search gave (parsed or not). */
  items: number;
  /** Items whose pixels were used. */
  used: number;
  /** Items lost to a failure (not those that simply had no data to give). */
  lost: number;
  lostShare: number;
  maxLostShare: number;
  /** Windows of which no pixel was used. */
  windowsWithoutPixels: ('before' | 'after')[];
  /** Skips by kind (items and tiles), as on stderr. */
  skips: Record<string, number>;
  /** True when the scan is a result: pixels in both windows and losses within the share. */
  complete: boolean;
  /** One line saying what is missing ("" when complete). */
  problem: string;
}

export function assessCompleteness(x: CompletenessInput): Completeness {
  const all = new Set([...x.found.before, ...x.found.after, ...x.found.unparsed]);
  const lostIds = new Set<string>();
  for (const s of x.skipped) {
    const k = skipKind(s.reason);
    if (k.tile || k.benign || !all.has(s.item)) continue;
    if (x.used.before.has(s.item) || x.used.after.has(s.item)) continue;
    lostIds.add(s.item);
  }
  for (const id of x.found.unparsed) lostIds.add(id);
  const windowsWithoutPixels = (['before', 'after'] as const).filter((w) => x.used[w].size === 0);
  const lostShare = all.size === 0 ? 0 : lostIds.size / all.size;
  const problems: string[] = [];
  if (windowsWithoutPixels.length > 0)
    problems.push(`no usable pixels for the ${windowsWithoutPixels.join(' and ')} window`);
  if (lostShare > x.maxLostShare)
    problems.push(
      `${lostIds.size} of ${all.size} items lost (more than ${Math.round(x.maxLostShare * 100)} %)`,
    );
  return {
    items: all.size,
    used: new Set([...x.used.before, ...x.used.after]).size,
    lost: lostIds.size,
    lostShare: Math.round(lostShare * 1000) / 1000,
    maxLostShare: x.maxLostShare,
    windowsWithoutPixels,
    skips: skipCounts(x.skipped),
    complete: problems.length === 0,
    problem: problems.join('; '),
  };
}
