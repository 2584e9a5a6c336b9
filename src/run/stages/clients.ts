/**
 * Stage 0 of a scan: what it reads through. The catalogue (provider, collection, profile), the
 * asset policy, the Planetary Computer signer when the profile signs, and the one HTTP client
 * every request goes through. Builds handles only; nothing is fetched here.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isStacApi } from '../../catalog/index.js';
import { chooseCatalogue, type CatalogueChoice } from '../../catalog/providers.js';
import { PlanetaryComputerSigner } from '../../catalog/sas-tokens.js';
import { lowSpeedFromEnv } from '../../config/http-env.js';
import { HttpClient } from '../../io/http.js';
import { assetPolicy, type AllowedHost } from '../asset-policy.js';

export interface ScanClients {
  catalogue: CatalogueChoice;
  /** The collection as the report and errors name it. */
  collectionLabel: string;
  /** The asset policy: the HTTP client checks every request and redirect; file: hrefs are checked by its callers. */
  allow: (url: URL) => boolean;
  http: HttpClient;
  signer: PlanetaryComputerSigner | undefined;
}

export interface ClientOptions {
  stac: string;
  provider?: string;
  collection?: string;
  allowHosts?: readonly AllowedHost[];
  concurrency: number;
  fixedConcurrency?: boolean;
  /** Where MW_HTTP_LOW_SPEED_* are read from (config/http-env.ts). */
  env: Readonly<Record<string, string | undefined>>;
}

/** The `--stac` value as a URL: an API root, or the file: URL of a local catalogue. */
export function stacUrl(stac: string): URL {
  return isStacApi(stac) ? new URL(stac) : pathToFileURL(path.resolve(stac));
}

/** The provider, collection and profile a scan reads with (providers.ts). */
export function catalogueOf(opts: Pick<ClientOptions, 'stac' | 'provider' | 'collection'>): CatalogueChoice {
  return chooseCatalogue(
    isStacApi(opts.stac) ? new URL(opts.stac.trim()) : undefined,
    opts.provider,
    opts.collection,
  );
}

export function scanClients(opts: ClientOptions): ScanClients {
  const catalogue = catalogueOf(opts);
  const allow = assetPolicy({
    stac: stacUrl(opts.stac),
    hosts: catalogue.profile.assetHosts,
    ...(opts.allowHosts ? { extraHosts: opts.allowHosts } : {}),
  });
  // Planetary Computer blobs need a SAS token; the signer fetches it through this same client.
  const signer =
    catalogue.profile.signing === 'planetary-computer-sas' && isStacApi(opts.stac)
      ? new PlanetaryComputerSigner({
          stac: new URL(opts.stac.trim()),
          collection: catalogue.collection ?? catalogue.profile.collection,
          fetcher: { getJson: (url, init) => http.getJson(url, init) },
        })
      : undefined;
  const http: HttpClient = new HttpClient({
    allow,
    ...(signer ? { signer } : {}),
    ...lowSpeedFromEnv(opts.env),
    concurrency: opts.concurrency,
    adaptiveConcurrency: !opts.fixedConcurrency,
  });
  return { catalogue, collectionLabel: catalogue.collection ?? 'any collection', allow, http, signer };
}
