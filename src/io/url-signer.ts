/**
 * The hook by which a provider makes asset URLs readable just before each request (a Planetary
 * Computer SAS token, src/catalog/sas-tokens.ts). The HTTP client sends the signed URL but names
 * the unsigned one in every error and count, so a credential never reaches a message or a log.
 */

/** A URL made readable, and which credential did it (so a 403 drops that one, not a newer one). */
export interface SignedUrl {
  url: URL;
  generation: number;
}

export interface UrlSigner {
  sign(url: URL, signal?: AbortSignal): Promise<SignedUrl>;
  /** The signed URL was refused (403): its credential is stale. */
  refused(signed: SignedUrl): void;
}
