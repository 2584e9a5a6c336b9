/**
 * Which BOA_ADD_OFFSET an L2A band carries: reflectance = (DN + offsetDn) / 10000, offsetDn 0 before
 * processing baseline 04.00 (25 January 2022) and -1000 from then on. Pure: no I/O, no clock.
 *
 * The metadata cannot be trusted alone. Earth Search items are known to be wrong both ways: baseline
 * >= 04.00 items whose `raster:bands` declare no offset although the DNs carry it, and items declaring
 * -0.1 whose DNs do not (Element84/earth-search#66, #71; cirrus-geo/cirrus-earth-search#33). Its
 * `earthsearch:boa_offset_applied` flag is wrong in the same cases, so it is not used. Hence two steps:
 * `declaredOffsetDn` reads what the item says, `decideOffset` checks it against the darkest clear pixels.
 *
 * The pixel test is physics, and one-sided: with the +1000 offset a DN below ~1000 is a negative
 * reflectance, so a 1st percentile well below 1000 proves there is no offset. A high 1st percentile only
 * says the darkest 1 % of the scene would be brighter than 10 % reflectance without an offset, which is
 * what the offset produces but also what a bright scene with no water or shadow produces. So the pixels
 * may add the offset only where the product could carry it (baseline >= 04.00, or, without a baseline,
 * an acquisition from 25 January 2022); an older baseline with bright pixels is a bright scene.
 */
import { L2A_QUANTIFICATION, L2A_SCALE } from '../raster/radiometry.js';
import type { S2AssetKey, S2Item } from './item.js';

export type OffsetDn = 0 | -1000;
export type OffsetSource = 'raster:bands' | 'processing_baseline' | 'date';
export type ReflectanceKey = Exclude<S2AssetKey, 'scl'>;

/** Start of processing baseline 04.00 and of the offset, 2022-01-25T00:00:00Z. */
export const OFFSET_START = new Date(Date.UTC(2022, 0, 25));
/** Fewer valid pixels than this and the 1st percentile is noise: the declaration stands. */
export const MIN_VALID_PIXELS = 1000;
/** A 1st percentile below this is impossible with the offset (it would be -1 % reflectance). */
export const NO_OFFSET_BELOW = 900;
/** A 1st percentile at or above this is what the offset gives (dark water is ~1050 with it). */
export const OFFSET_FROM = 1000;

export interface DeclaredOffset {
  offsetDn: OffsetDn;
  source: OffsetSource;
  reason: string;
}

/** "04.00" -> 400, "05.10" -> 510; undefined when it is not NN.NN. */
export function parseBaseline(text: string | undefined): number | undefined {
  const m = /^(\d{1,2})\.(\d{2})$/.exec(text?.trim() ?? '');
  return m ? Number(m[1]) * 100 + Number(m[2]) : undefined;
}

type OffsetFacts = Pick<S2Item, 'datetime' | 'processingBaseline' | 'minimumBaseline'> & {
  assets: Partial<Record<S2AssetKey, Pick<S2Item['assets'][S2AssetKey], 'scale' | 'offset'>>>;
};

function fromRasterBands(item: OffsetFacts, key: ReflectanceKey): DeclaredOffset | string | undefined {
  const asset = item.assets[key];
  if (!asset || (asset.scale === undefined && asset.offset === undefined)) return undefined;
  const scale = asset.scale ?? 1;
  const offset = asset.offset ?? 0;
  if (Math.abs(scale - L2A_SCALE) > L2A_SCALE * 1e-6) {
    return `raster:bands scale ${scale} of "${key}" is not ${L2A_SCALE}: ignored`;
  }
  const dn = Math.round(offset / scale);
  if (dn !== 0 && dn !== -1000) {
    return `raster:bands offset ${offset} of "${key}" is ${dn} DN, neither 0 nor -1000: ignored`;
  }
  return {
    offsetDn: dn,
    source: 'raster:bands',
    reason: `raster:bands of "${key}": scale ${scale}, offset ${offset} = ${dn} DN`,
  };
}

/** What the item declares for one reflectance band: raster:bands, else the baseline, else the date. */
export function declaredOffsetDn(item: OffsetFacts, assetKey: ReflectanceKey): DeclaredOffset {
  const notes: string[] = [];
  const rb = fromRasterBands(item, assetKey);
  if (typeof rb === 'object') return rb;
  if (rb) notes.push(rb);
  const baseline = parseBaseline(item.processingBaseline);
  if (baseline !== undefined) {
    const dn: OffsetDn = baseline >= 400 ? -1000 : 0;
    notes.push(
      `s2:processing_baseline ${item.processingBaseline} ${baseline >= 400 ? '>=' : '<'} 04.00: ${dn} DN`,
    );
    return { offsetDn: dn, source: 'processing_baseline', reason: notes.join('; ') };
  }
  if (item.processingBaseline !== undefined) {
    notes.push(`s2:processing_baseline ${JSON.stringify(item.processingBaseline)} unreadable`);
  }
  // A Collection-1 item is at least baseline 05.00 whatever its date (pre-2022 ones were reprocessed).
  const floor = parseBaseline(item.minimumBaseline);
  if (floor !== undefined) {
    const dn: OffsetDn = floor >= 400 ? -1000 : 0;
    notes.push(`no baseline given; its collection is at baseline ${item.minimumBaseline} or later: ${dn} DN`);
    return { offsetDn: dn, source: 'processing_baseline', reason: notes.join('; ') };
  }
  const after = item.datetime.getTime() >= OFFSET_START.getTime();
  const dn: OffsetDn = after ? -1000 : 0;
  notes.push(
    `acquired ${item.datetime.toISOString().slice(0, 10)}, ${after ? 'on or after' : 'before'} 2022-01-25: ${dn} DN`,
  );
  return { offsetDn: dn, source: 'date', reason: notes.join('; ') };
}

export interface OffsetEvidence {
  /** 1st percentile of valid NIR or SWIR DN over clear pixels. */
  darkDnP01: number;
  validPixels: number;
}

export type PixelVerdict = 'no-offset' | 'offset-or-bright' | 'inconclusive' | 'too-few-pixels';

export interface OffsetDecision {
  offsetDn: OffsetDn;
  declared: OffsetDn;
  source: OffsetSource;
  /** False exactly when the pixels overrode the declaration. */
  agreed: boolean;
  pixels: PixelVerdict;
  reason: string;
}

function verdictOf(e: OffsetEvidence): PixelVerdict {
  if (!(e.validPixels >= MIN_VALID_PIXELS) || !Number.isFinite(e.darkDnP01)) return 'too-few-pixels';
  if (e.darkDnP01 < NO_OFFSET_BELOW) return 'no-offset';
  if (e.darkDnP01 >= OFFSET_FROM) return 'offset-or-bright';
  return 'inconclusive';
}

/** Whether the product may carry the offset at all: by its baseline, or by its date without one. */
function offsetPossible(item: OffsetFacts): { possible: boolean; why: string } {
  const baseline = parseBaseline(item.processingBaseline);
  if (baseline !== undefined) {
    return { possible: baseline >= 400, why: `baseline ${item.processingBaseline}` };
  }
  const floor = parseBaseline(item.minimumBaseline);
  if (floor !== undefined && floor >= 400) {
    return { possible: true, why: `collection baseline ${item.minimumBaseline} or later` };
  }
  const possible = item.datetime.getTime() >= OFFSET_START.getTime();
  return { possible, why: `acquisition date ${item.datetime.toISOString().slice(0, 10)}` };
}

/** The declaration alone, when the pixels could not be read within the check's bounds (`why`). */
export function uncheckedOffset(
  item: OffsetFacts,
  why: string,
  assetKey: ReflectanceKey = 'nir',
): OffsetDecision {
  const d = declaredOffsetDn(item, assetKey);
  return {
    offsetDn: d.offsetDn,
    declared: d.offsetDn,
    source: d.source,
    agreed: true,
    pixels: 'too-few-pixels',
    reason: `no pixel check (${why}): keeping declared ${d.offsetDn} DN (${d.reason})`,
  };
}

/** The offset to use for a band: the declaration, checked against (and if need be overridden by) the pixels. */
export function decideOffset(
  item: OffsetFacts,
  evidence: OffsetEvidence,
  assetKey: ReflectanceKey = 'nir',
): OffsetDecision {
  const d = declaredOffsetDn(item, assetKey);
  const pixels = verdictOf(evidence);
  const p01 = evidence.darkDnP01;
  const stats = `1st-percentile dark DN ${p01} over ${evidence.validPixels} valid pixels`;
  const declaredText = `declared ${d.offsetDn} DN (${d.reason})`;
  const result = (offsetDn: OffsetDn, reason: string): OffsetDecision => ({
    offsetDn,
    declared: d.offsetDn,
    source: d.source,
    agreed: offsetDn === d.offsetDn,
    pixels,
    reason,
  });

  if (pixels === 'too-few-pixels') {
    return result(
      d.offsetDn,
      `only ${evidence.validPixels} valid pixels (< ${MIN_VALID_PIXELS}), no pixel check: keeping ${declaredText}`,
    );
  }
  if (pixels === 'inconclusive') {
    return result(
      d.offsetDn,
      `${stats} is between ${NO_OFFSET_BELOW} and ${OFFSET_FROM}, inconclusive: keeping ${declaredText}`,
    );
  }
  if (pixels === 'no-offset') {
    if (d.offsetDn === 0)
      return result(0, `pixels agree with ${declaredText}: ${stats} is below ${NO_OFFSET_BELOW}`);
    return result(
      0,
      `pixels override ${declaredText}: ${stats} is below ${NO_OFFSET_BELOW}, impossible with the +1000 BOA offset; using 0`,
    );
  }
  // offset-or-bright
  if (d.offsetDn === -1000)
    return result(-1000, `pixels agree with ${declaredText}: ${stats} is at least ${OFFSET_FROM}`);
  const { possible, why } = offsetPossible(item);
  if (!possible) {
    return result(
      0,
      `${stats} is at least ${OFFSET_FROM}, but the ${why} predates BOA_ADD_OFFSET: a bright scene; keeping ${declaredText}`,
    );
  }
  return result(
    -1000,
    `pixels override ${declaredText}: ${stats} is at least ${OFFSET_FROM} (the darkest clear surfaces would be ` +
      `brighter than ${(p01 / L2A_QUANTIFICATION).toFixed(2)} reflectance without an offset) and the ${why} allows the offset; using -1000`,
  );
}
