/**
 * The evidence products of a scan: chips, overlays, rasters, the overview map and report.html,
 * drawn from the tiles' quicklooks (report/evidence-outputs.ts). Re-scans publish their own
 * registry's candidates (ids may be renamed there), so they skip the chips and overlays that
 * would name this scan's ids. Renders in memory; nothing is written here.
 */
import type { Aoi } from '../../geo/aoi.js';
import type { EvidenceOutputs, EvidenceTile } from '../../report/evidence-outputs.js';
import type { Products } from './products.js';

export async function renderScanEvidence(
  tiles: readonly EvidenceTile[],
  products: Products,
  aoi: Aoi,
  draw: boolean,
): Promise<EvidenceOutputs> {
  const { candidates, ponds, clearings, report, provenance } = products;
  if (!draw) return { files: {}, candidates, warnings: [], timings_s: {} };
  // Loaded only when drawn: sharp and the PNG, HTML and FlatGeobuf writers cost ~100 ms of
  // start-up that `--no-evidence` runs and re-scans do not need.
  const { renderEvidence } = await import('../../report/evidence-outputs.js');
  return renderEvidence({
    tiles,
    candidates,
    ponds,
    clearings,
    townships: aoi.townships,
    aoi: aoi.geometry,
    report,
    provenance,
  });
}
