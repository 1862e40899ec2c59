/**
 * `models add --int8`: the statically quantised graph of a model pack, calibrated on
 * photos from a folder or the library, kept only when it passes the fidelity gate
 * (compile-int8.ts). Returns the int8 bytes (or null) and the report stored in the
 * model's provenance.
 */
import fs from 'node:fs';
import { StationError } from '../errors.js';
import type { Library } from '../library/index.js';
import type { ModelPack } from './model-pack.js';
import { type Int8Report, compileInt8Model } from './onnx/int8/compile-int8.js';
import { DEFAULT_CALIBRATION_PHOTOS, DEFAULT_HELD_OUT_PHOTOS, photosInFolder, preprocessAll, preprocessedPhotos, splitPhotos } from './int8-photos.js';

export interface Int8AddOptions {
  /** Photos to calibrate and check on; without it, the library's own photos. */
  calibrationFolder?: string;
  calibrationPhotos?: number;
  heldOutPhotos?: number;
  /** Progress lines for a terminal. */
  onProgress?: (line: string) => void;
}

export interface Int8Outcome {
  bytes: Uint8Array | null;
  report: Int8Report & { source: string; unreadablePhotos: number };
}

/** The library's photos at their first recorded path that still exists, oldest first. */
function libraryPhotoFiles(library: Library): string[] {
  const files: string[] = [];
  for (const photo of library.photos.iterate({ order: 'added' })) {
    const file = library.photos.paths(photo.id).find((p) => fs.existsSync(p));
    if (file) files.push(file);
  }
  return files;
}

export async function compileInt8ForPack(library: Library, pack: ModelPack, fp32: Uint8Array, maxPixels: number, options: Int8AddOptions): Promise<Int8Outcome> {
  if (pack.onnxModel) {
    throw new StationError('INVALID_ARGUMENT', `Model "${pack.identity.name}" is an ONNX pack: --int8 quantises the graphs the station compiles itself (DEEP-OC, Keras .h5, TF.js packs). Add it without --int8.`);
  }
  const source = options.calibrationFolder ? `folder ${options.calibrationFolder}` : `the library's photos (${library.databasePath})`;
  const files = options.calibrationFolder ? photosInFolder(options.calibrationFolder) : libraryPhotoFiles(library);
  const { calibration, heldOut } = splitPhotos(files, options.calibrationPhotos ?? DEFAULT_CALIBRATION_PHOTOS, options.heldOutPhotos ?? DEFAULT_HELD_OUT_PHOTOS);
  options.onProgress?.(`int8: ${files.length} photos in ${source}; calibrating on ${calibration.length}, checking on ${heldOut.length} held out`);
  const skipped: string[] = [];
  const heldOutInputs = await preprocessAll(heldOut, pack.preprocessing, maxPixels, skipped);
  const result = await compileInt8Model(fp32, {
    calibration: preprocessedPhotos(calibration, pack.preprocessing, maxPixels, skipped),
    heldOut: heldOutInputs,
    onProgress: (stage, done, total) => {
      if (done % 50 === 0 || done === total) options.onProgress?.(`int8: ${stage === 'calibrate' ? 'calibrated on' : 'checked'} ${done}${total ? `/${total}` : ''} photo runs`);
    },
  });
  return { bytes: result.bytes, report: { ...result.report, source, unreadablePhotos: skipped.length } };
}

/** One line for `models show` and `models add`. */
export function describeInt8(report: Partial<Int8Report> | undefined): string | null {
  if (!report || typeof report !== 'object') return null;
  const agreement = typeof report.agreement === 'number' ? `top-1 agreement with FP32 ${(report.agreement * 100).toFixed(1)}% on ${report.heldOutPhotos} held-out photos` : 'agreement not measured';
  if (report.kept) return `int8 graph in use: ${agreement} (calibration ${report.method} on ${report.calibrationPhotos} photos, ${report.quantizedConvolutions} convolutions int8${report.reduceRange ? ', 7-bit weights' : ''})`;
  return `FP32 graph in use, int8 refused: ${report.reason ?? agreement}`;
}
