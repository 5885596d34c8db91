/**
 * A PNG or JPEG (bytes) made into a classifier's input in Node: decoded and
 * resized by src/io/images.ts (bilinear, half-pixel centres), centre-cropped
 * for 'center-crop', then normalised and laid out by src/classify.ts exactly
 * as the browser entry does with canvas pixels.
 */
import { channelCount, type Preprocess } from '../model-metadata.js';
import { cropCentre, normalisePlanes, resizeTarget } from '../classify.js';
import { decodeImage, imageDimensions } from '../io/images.js';

/** The model input for one image file's bytes under `p`; `source` names the file in errors. */
export function imageInput(bytes: Uint8Array, p: Preprocess, source?: string): Float32Array {
  const { width, height } = imageDimensions(bytes, source);
  const c = channelCount(p.channels);
  const [rh, rw] = height > 0 && width > 0 ? resizeTarget(height, width, p) : p.size;
  const planes = decodeImage(bytes, { channels: c, height: rh, width: rw, scale: 1 }, source);
  return normalisePlanes(cropCentre(planes, c, rh, rw, p.size[0], p.size[1]), c, p);
}
