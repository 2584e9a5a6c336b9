/**
 * The georeference of a plain image (a chip PNG), in GDAL's PAM sidecar `<image>.aux.xml`: GDAL,
 * and so QGIS, place the image from its GeoTransform and SRS, and list the metadata items. Pure.
 */
import { escapeXml } from './xml.js';

export interface ImageGeoref {
  epsg: number;
  /** Top-left corner of the top-left pixel, CRS units. */
  originX: number;
  originY: number;
  /** Ground size of one image pixel, CRS units. */
  pixelSize: number;
}

export function pamAuxXml(g: ImageGeoref, metadata: Record<string, string>): string {
  const items = Object.entries(metadata)
    .map(([k, v]) => `    <MDI key="${escapeXml(k)}">${escapeXml(v)}</MDI>`)
    .join('\n');
  return `<PAMDataset>
  <SRS dataAxisToSRSAxisMapping="1,2">EPSG:${g.epsg}</SRS>
  <GeoTransform>${g.originX}, ${g.pixelSize}, 0, ${g.originY}, 0, ${-g.pixelSize}</GeoTransform>
  <Metadata>
${items}
  </Metadata>
</PAMDataset>
`;
}
