/** Text escaped for XML and HTML content and attribute values (KML, GeoTIFF metadata, SVG, HTML). Pure. */
export const escapeXml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
