/**
 * A block's evidence taken through the scan's own tile and site stages (detectTile, buildProducts)
 * as one tile of 47RMJ with two looks a season: for tests that start from spectra or real DNs.
 */
import type { BlockEvidence } from '../../src/detect/block-evidence.js';
import { tileEvidenceFromBlock } from '../../src/detect/evidence-plane.js';
import { DEFAULT_PARAMS } from '../../src/detect/params.js';
import type { Products } from '../../src/detect/product-properties.js';
import { buildProducts } from '../../src/detect/sites.js';
import { detectTile } from '../../src/detect/tile-detect.js';

export function productsOfBlock(ev: BlockEvidence): Products {
  return buildProducts(
    [
      {
        tile: 'MGRS-47RMJ',
        grid: { epsg: 32647, originX: 437_000, originY: 2_834_000, pixelSize: 10 },
        detections: detectTile(tileEvidenceFromBlock(ev), DEFAULT_PARAMS),
        beforeItems: ['S2B_47RMJ_20210105_0_L2A', 'S2B_47RMJ_20210115_0_L2A'],
        afterItems: [
          { id: 'S2A_47RMJ_20231210_0_L2A', datetime: '2023-12-10T04:03:21.000Z' },
          { id: 'S2B_47RMJ_20240104_0_L2A', datetime: '2024-01-04T04:03:19.000Z' },
        ],
      },
    ],
    [],
    DEFAULT_PARAMS,
  );
}
