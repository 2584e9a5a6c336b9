// The layers of src/, lowest first. A folder may import its own files and any folder of a LOWER
// layer; folders in the same layer are peers that never import each other. docs/architecture.md
// names the same layers. test/unit/architecture/layers.test.ts enforces this list.
export interface Layer {
  name: string;
  folders: readonly string[];
  why: string;
}

export const LAYERS: readonly Layer[] = [
  {
    name: 'foundation',
    folders: ['errors', 'types'],
    why: 'the error hierarchy and ambient types; imports nothing of ours',
  },
  { name: 'kernels', folders: ['raster'], why: 'pure pixel kernels on typed arrays' },
  { name: 'geo', folders: ['geo'], why: 'AOIs, UTM, the S2 grid, pixel <-> map geometry' },
  {
    name: 'compute | bytes',
    folders: ['detect', 'io'],
    why: 'detect is pure compute over pixels, io moves and decodes bytes; neither knows the other',
  },
  {
    name: 'sources',
    folders: ['catalog', 'config', 'server', 'fixtures'],
    why: 'where inputs come from: STAC search, AOI/YAML loading, the local STAC API, the synthetic world',
  },
  { name: 'state', folders: ['state'], why: 'the re-scan registry and range cache (SQLite)' },
  { name: 'formats', folders: ['formats'], why: 'pure serialisers: features in, text or bytes out' },
  { name: 'report', folders: ['report'], why: 'report, chips, quicklooks and the evidence products' },
  { name: 'run', folders: ['run'], why: 'the scan pipeline: plan, queue, workers, runners' },
  {
    name: 'jobs',
    folders: ['batch', 'eval'],
    why: 'many scans: seasons of a pipeline, seeds of an evaluation',
  },
  { name: 'apps', folders: ['viewer'], why: 'the map viewer server' },
  {
    name: 'cli',
    folders: ['cli'],
    why: 'commander entry points; the only place that reads argv and sets exit codes',
  },
];

/** Folders whose files do pure compute: no `node:` module, no I/O (the caller hands bytes in). */
export const PURE_FOLDERS: readonly string[] = ['raster', 'detect'];
