import path from 'node:path';
import { StationError } from '../../errors.js';
import type { ModelPack } from '../model-pack.js';
import { loadKerasH5Model } from '../keras/read-keras-h5.js';
import { inferPreprocessing } from './infer-preprocessing.js';
import { PREPROCESSING_FILE_NAME, findEmbeddingLayer, findLabelsFile, hashPackFiles, isFile, modelOutputSize, readLabels, readPreprocessingJson } from './pack-files.js';

/** A Keras `.h5` (full model) with `labels.txt`/`classes.txt` and optionally `preprocessing.json` beside it. */
export async function loadKerasH5Pack(h5Path: string, options: { sourcePath: string }): Promise<ModelPack> {
  const dir = path.dirname(h5Path);
  const fileName = path.basename(h5Path);
  const labelsPath = findLabelsFile(dir);
  if (!labelsPath) {
    throw new StationError('MODEL_INVALID', `${fileName} has no labels.txt or classes.txt beside it in ${dir}: add one with a class name per line, in the model's output order.`);
  }
  const labels = readLabels(labelsPath);
  const { model, kerasVersion } = await loadKerasH5Model(h5Path);
  const outputs = modelOutputSize(model);
  if (outputs !== labels.length) {
    throw new StationError('MODEL_INVALID', `${path.basename(labelsPath)} lists ${labels.length} labels but ${fileName}'s output layer has ${outputs ?? 'an unknown number of'} units; use the labels file that came with this model.`);
  }
  const inferred = inferPreprocessing(model);
  const preprocessingPath = path.join(dir, PREPROCESSING_FILE_NAME);
  const hasOverride = isFile(preprocessingPath);
  const preprocessing = hasOverride ? readPreprocessingJson(preprocessingPath, inferred.preprocessing) : inferred.preprocessing;
  const hashed = [h5Path, labelsPath, ...(hasOverride ? [preprocessingPath] : [])];
  return {
    identity: {
      name: fileName.replace(/\.(h5|hdf5|keras)$/i, ''),
      version: kerasVersion ? `keras ${kerasVersion}` : 'keras',
      contentHash: hashPackFiles(dir, hashed),
      format: 'keras-h5',
      sourcePath: options.sourcePath,
      labels,
      preprocessing: { ...preprocessing, source: hasOverride ? PREPROCESSING_FILE_NAME : `inferred: ${inferred.reason}` },
      provenance: { kerasVersion },
    },
    preprocessing,
    layersModel: model,
    embeddingLayer: findEmbeddingLayer(model),
  };
}
