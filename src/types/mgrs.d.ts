// mgrs@1.0.0 ships no type declarations; these cover the two calls we make.
declare module 'mgrs' {
  /** [lon, lat] -> MGRS reference; accuracy is the number of digits per coordinate (0-5). */
  export function forward(lonLat: [number, number], accuracy?: number): string;
  /** MGRS reference -> [lon, lat] of the square's south-west corner. */
  export function toPoint(mgrs: string): [number, number];
}
