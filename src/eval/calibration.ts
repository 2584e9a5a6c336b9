/**
 * Is the confidence calibrated? Observed precision per confidence bin (a reliability table)
 * and the same as an SVG reliability diagram. Pure.
 */
import { at } from '../types/checked.js';

export interface LabelledConfidence {
  confidence: number;
  /** True when the candidate matched a true new mine site. */
  correct: boolean;
}

export interface CalibrationBin {
  /** Inclusive lower, exclusive upper edge (the last bin includes 1). */
  lo: number;
  hi: number;
  candidates: number;
  correct: number;
  /** correct / candidates; NaN for an empty bin. */
  precision: number;
  /** Mean confidence of its candidates; NaN for an empty bin. */
  meanConfidence: number;
}

/** The reporting threshold is 0.5, so bins start there; 0.1 wide. */
export const CALIBRATION_EDGES: readonly number[] = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0];

export function calibrationTable(
  items: readonly LabelledConfidence[],
  edges: readonly number[] = CALIBRATION_EDGES,
): CalibrationBin[] {
  const bins: CalibrationBin[] = [];
  for (let k = 0; k + 1 < edges.length; k++) {
    const lo = at(edges, k);
    const hi = at(edges, k + 1);
    const last = k + 2 === edges.length;
    const inBin = items.filter(
      (c) => c.confidence >= lo && (c.confidence < hi || (last && c.confidence <= hi)),
    );
    const correct = inBin.filter((c) => c.correct).length;
    bins.push({
      lo,
      hi,
      candidates: inBin.length,
      correct,
      precision: inBin.length ? correct / inBin.length : NaN,
      meanConfidence: inBin.length ? inBin.reduce((s, c) => s + c.confidence, 0) / inBin.length : NaN,
    });
  }
  return bins;
}

/** Observed precision of the candidates at or above a confidence (NaN when there are none). */
export function precisionAtOrAbove(
  items: readonly LabelledConfidence[],
  threshold: number,
): {
  candidates: number;
  correct: number;
  precision: number;
} {
  const above = items.filter((c) => c.confidence >= threshold);
  const correct = above.filter((c) => c.correct).length;
  return { candidates: above.length, correct, precision: above.length ? correct / above.length : NaN };
}

/** Expected calibration error: the count-weighted mean |precision - mean confidence| over bins. */
export function expectedCalibrationError(bins: readonly CalibrationBin[]): number {
  const n = bins.reduce((s, b) => s + b.candidates, 0);
  if (n === 0) return NaN;
  return bins.reduce(
    (s, b) => (b.candidates ? s + (b.candidates / n) * Math.abs(b.precision - b.meanConfidence) : s),
    0,
  );
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A reliability diagram: observed precision against mean confidence per bin, with the diagonal. */
export function reliabilitySvg(bins: readonly CalibrationBin[], title: string): string {
  const W = 420;
  const H = 360;
  const L = 60;
  const T = 40;
  const S = 260; // plot side, px; axes span confidence 0.5..1 and precision 0..1
  const x = (c: number): number => L + ((c - 0.5) / 0.5) * S;
  const y = (p: number): number => T + (1 - p) * S;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `<rect x="${L}" y="${T}" width="${S}" height="${S}" fill="none" stroke="#333"/>`,
    `<line x1="${x(0.5)}" y1="${y(0.5)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"/>`,
  ];
  for (const t of [0.5, 0.6, 0.7, 0.8, 0.9, 1]) {
    parts.push(`<text x="${x(t)}" y="${T + S + 16}" text-anchor="middle">${t.toFixed(1)}</text>`);
  }
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<text x="${L - 6}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(2)}</text>`);
  }
  parts.push(`<text x="${L + S / 2}" y="${T + S + 34}" text-anchor="middle">confidence</text>`);
  parts.push(
    `<text x="16" y="${T + S / 2}" text-anchor="middle" transform="rotate(-90 16 ${T + S / 2})">observed precision</text>`,
  );
  const pts = bins.filter((b) => b.candidates > 0);
  if (pts.length > 1)
    parts.push(
      `<polyline fill="none" stroke="#c0392b" stroke-width="2" points="${pts.map((b) => `${x(b.meanConfidence).toFixed(1)},${y(b.precision).toFixed(1)}`).join(' ')}"/>`,
    );
  for (const b of pts) {
    const r = Math.min(12, 3 + Math.sqrt(b.candidates));
    parts.push(
      `<circle cx="${x(b.meanConfidence).toFixed(1)}" cy="${y(b.precision).toFixed(1)}" r="${r.toFixed(1)}" fill="#c0392b" fill-opacity="0.6"/>`,
      `<text x="${(x(b.meanConfidence) + r + 3).toFixed(1)}" y="${(y(b.precision) + 4).toFixed(1)}">${b.correct}/${b.candidates}</text>`,
    );
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
