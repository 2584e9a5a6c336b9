/**
 * What a merged clearing's ponds say about it being a leach site: the pond rule (enough ponds,
 * or one whose liquor is confirmed), and the colour share and corroboration confidence.ts
 * scores. Each rule reads a pond's visible kind (pond-unmixing.ts) against its SWIR verdict
 * (pond-swir.ts), because the visible alone cannot tell liner from char, ash or shadow. Pure.
 */
import type { SiteEvidence } from './confidence.js';
import type { GeoClearing, GeoPond } from './geo-detections.js';
import type { DetectParams } from './params.js';
import { isDugShape } from './pond-feature.js';

/** Only water corroborates a dark pond: flat-dark is also what deep shadow unmixes to. */
const confirmedDark = (q: GeoPond): boolean => q.kind === 'dark' && q.swir === 'water';
const unconfirmedDark = (q: GeoPond): boolean => q.kind === 'dark' && q.swir !== 'water';
/**
 * Any turquoise pond: a light liner under leachate. SWIR saying flat-dark or bright for one was
 * tried as a veto and cost more real sites than it removed false ones on the tuning worlds (a
 * pond of 1-2 pixels is a small share of its 20 m cells, so its SWIR verdict is the noisiest).
 */
const turquoise = (q: GeoPond): boolean => q.kind === 'turquoise';
/** A dry black sheet, or deep shadow: compact, dug-looking and SWIR-flat (partial corroboration). */
const drySheet = (q: GeoPond): boolean => q.kind === 'dark' && q.swir === 'flat-dark' && isDugShape(q);
/** Leachate seen both ways: turquoise in the visible (a light liner under liquor) and water in SWIR. */
const confirmedLiquor = (q: GeoPond): boolean => q.kind === 'turquoise' && q.swir === 'water';

/**
 * The evidence of a clearing and its (deduplicated) ponds, or undefined when the ponds cannot
 * make a site: fewer pond peaks than minPondsPerSite, unless the only pond is confirmed liquor.
 * Real sites of 1-2 pools are a third of the Pang War labels, and a lone turquoise body of
 * water on a fresh forest clearing is what neither char, a fish pond nor a river pool looks like.
 */
export function siteEvidence(
  c: Pick<GeoClearing, 'areaM2' | 'ndviBefore' | 'clearBefore' | 'clearAfter' | 'obscuredFraction'>,
  ponds: readonly GeoPond[],
  p: Pick<DetectParams, 'minPondsPerSite' | 'minLeachShare'>,
): SiteEvidence | undefined {
  const peaksOf = (pred: (q: GeoPond) => boolean): number =>
    ponds.filter(pred).reduce((s, q) => s + q.peaks, 0);
  const peaks = peaksOf(() => true);
  const lone = ponds.length === 1 && ponds.every(confirmedLiquor);
  if (ponds.length === 0 || (peaks < p.minPondsPerSite && !lone)) return undefined;
  // The share of the peaks of a leach kind at all: a field of turbid pools (fish ponds, a moved
  // river's pools) or unconfirmed dark patches (char, shadow) with a stray turquoise one among
  // them is not a leach field, whatever that one pond says.
  const leachShare = (peaksOf(turquoise) + peaksOf(confirmedDark) + peaksOf(drySheet)) / peaks;
  const corroboration: SiteEvidence['corroboration'] =
    leachShare < p.minLeachShare
      ? 'none'
      : ponds.some(turquoise) || ponds.some(confirmedDark)
        ? 'strong'
        : ponds.some(drySheet)
          ? 'partial'
          : 'none';
  return {
    ponds: peaks,
    turquoiseOrDarkShare:
      (peaksOf(turquoise) + peaksOf(confirmedDark) + 0.5 * peaksOf(unconfirmedDark)) / peaks,
    corroboration,
    meanPondFraction: ponds.reduce((s, q) => s + q.maxFraction, 0) / ponds.length,
    clearedHa: c.areaM2 / 10_000,
    ndviBefore: c.ndviBefore,
    clearBefore: c.clearBefore,
    clearAfter: c.clearAfter,
    obscuredFraction: c.obscuredFraction,
  };
}

/** Ponds whose material SWIR measured as water (published per candidate). */
export const swirConfirmed = (ponds: readonly GeoPond[]): number =>
  ponds.filter((q) => q.swir === 'water').length;
