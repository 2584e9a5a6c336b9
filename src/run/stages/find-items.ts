/**
 * Stage 1 of a scan: the items of both windows, from the catalogue through the client handed in
 * (or the items a re-scan already found). A window with no item ends the scan here.
 */
import { findItems, type FoundItems } from '../../catalog/index.js';
import type { DateWindow } from '../../catalog/filters.js';
import { NoItemsFoundError } from '../../errors.js';
import type { Aoi } from '../../geo/aoi.js';
import type { ScanClients } from './clients.js';

/** The scan options the search reads. */
export interface FindOptions {
  stac: string;
  aoi: Aoi;
  before: DateWindow;
  after: DateWindow;
  maxCloud: number;
  /** Already found (re-scans search themselves): no search. */
  found?: FoundItems;
  signal?: AbortSignal;
}

export async function findScanItems(
  opts: FindOptions,
  clients: Pick<ScanClients, 'catalogue' | 'collectionLabel' | 'http'>,
): Promise<FoundItems> {
  const { catalogue } = clients;
  const found =
    opts.found ??
    (await findItems(
      {
        stac: opts.stac,
        collection: catalogue.collection,
        provider: catalogue.provider,
        profile: catalogue.profile,
        aoi: opts.aoi.geometry,
        before: opts.before,
        after: opts.after,
        maxCloud: opts.maxCloud,
      },
      clients.http,
      opts.signal,
    ));
  if (found.before.length === 0 || found.after.length === 0) {
    const which = found.before.length === 0 ? 'before' : 'after';
    const w = which === 'before' ? opts.before : opts.after;
    throw new NoItemsFoundError(
      `no ${clients.collectionLabel} items found in ${opts.stac} for the ${which} window ${String(w.start)}/${String(w.end)} over AOI ${opts.aoi.name} with eo:cloud_cover <= ${opts.maxCloud}`,
    );
  }
  return found;
}
