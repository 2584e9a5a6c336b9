/** How published values are written: ids from the place itself, figures to three decimals. */

/** Rounds to three decimals, as every published ratio and index is. */
export const r3 = (v: number): number => Math.round(v * 1000) / 1000;

/** Ids from the place itself, so the same place keeps its id across runs (about 10 m). */
export function placeId(prefix: string, lonLat: [number, number], decimals = 4): string {
  return `${prefix}-${lonLat[1].toFixed(decimals)}N-${lonLat[0].toFixed(decimals)}E`;
}
