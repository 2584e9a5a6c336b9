/** The one error of the COG reader: a file we will not read, with a machine reason and the source. */
import { MinewatchError } from '../errors.js';

export type CogFormatReason =
  | 'bad-magic' // not a TIFF: wrong byte-order mark or version
  | 'truncated' // the file ends before a structure or a tile it declares
  | 'ifd-loop' // the IFD chain revisits an IFD, or is longer than the cap
  | 'malformed' // an offset, count or value that cannot be right
  | 'header-too-large' // IFDs and tile arrays need more bytes than the header cap
  | 'not-tiled' // a stripped TIFF
  | 'unsupported' // a codec, predictor, sample type or layout we do not decode
  | 'pixel-budget' // an image or tile larger than the decode budget (a dimension or deflate bomb)
  | 'no-georef'; // missing, rotated or non-EPSG georeferencing

export class CogFormatError extends MinewatchError {
  constructor(
    readonly reason: CogFormatReason,
    readonly sourceId: string,
    detail: string,
  ) {
    super(`${sourceId}: ${detail}`);
  }
}
