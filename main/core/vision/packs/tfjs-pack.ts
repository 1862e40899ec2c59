import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { StationError } from '../../errors.js';
import type { ModelPack, Preprocessing } from '../model-pack.js';
import { normalizeKerasConfig } from '../keras/keras-config.js';
import { inferPreprocessing } from './infer-preprocessing.js';
import { PREPROCESSING_FILE_NAME, findEmbeddingLayer, findLabelsFile, hashPackFiles, isFile, modelOutputSize, readLabels, readPreprocessingJson, readText } from './pack-files.js';

interface TfjsModelJson {
  modelTopology?: unknown;
  weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
}

interface TeachableMachineMetadata {
  labels?: unknown;
  imageSize?: unknown;
  modelName?: unknown;
  tmVersion?: unknown;
  timeStamp?: unknown;
}

const BYTES_PER_DTYPE: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8, string: 0 };

/**
 * A TF.js layers model folder: `model.json` + weight shards, labels from Teachable Machine's
 * `metadata.json` or a labels file, optional `preprocessing.json`.
 */
export async function loadTfjsPack(modelJsonPath: string, options: { sourcePath: string }): Promise<ModelPack> {
  const dir = path.dirname(modelJsonPath);
  let json: TfjsModelJson;
  try {
    json = JSON.parse(readText(modelJsonPath)) as TfjsModelJson;
  } catch (error) {
    if (error instanceof StationError) throw error;
    throw new StationError('MODEL_INVALID', `${modelJsonPath} is not valid JSON (${(error as Error).message}).`, { cause: error });
  }
  if (json.format === 'graph-model' || (json.modelTopology && typeof json.modelTopology === 'object' && 'node' in json.modelTopology)) {
    throw new StationError('MODEL_UNSUPPORTED', `${modelJsonPath} is a TF.js graph model; only layers models (Keras-converted, Teachable Machine) can be loaded. Convert the Keras model with --output_format tfjs_layers_model.`);
  }
  const { modelConfig } = normalizeKerasConfig(json, 'model.json');
  const manifest = json.weightsManifest ?? [];
  const weightSpecs = manifest.flatMap((group) => group.weights);
  const shards: Buffer[] = [];
  for (const group of manifest) {
    for (const shard of group.paths) {
      const shardPath = path.resolve(dir, shard);
      if (path.relative(dir, shardPath).startsWith('..') || path.isAbsolute(shard)) {
        throw new StationError('MODEL_INVALID', `${modelJsonPath} points to a weights file outside its folder ("${shard}"); refused.`);
      }
      if (!isFile(shardPath)) throw new StationError('MODEL_INVALID', `${modelJsonPath} needs the weights file "${shard}", which is missing from ${dir}.`);
      shards.push(fs.readFileSync(shardPath));
    }
  }
  const weightData = Buffer.concat(shards);
  const expectedBytes = weightSpecs.reduce((sum, spec) => {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    return sum + count * (BYTES_PER_DTYPE[dtype] ?? 4);
  }, 0);
  if (expectedBytes !== weightData.length) {
    throw new StationError('MODEL_INVALID', `${path.basename(modelJsonPath)} describes ${expectedBytes} bytes of weights but its weight files hold ${weightData.length}; a shard is truncated or belongs to another model.`);
  }
  let model: tf.LayersModel;
  try {
    const artifacts: tf.io.ModelArtifacts = {
      modelTopology: modelConfig as unknown as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs,
      weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
    };
    model = await tf.loadLayersModel({ load: async () => artifacts });
  } catch (error) {
    throw new StationError('MODEL_INVALID', `${modelJsonPath} could not be loaded by TensorFlow.js (${(error as Error).message}).`, { cause: error });
  }

  const metadataPath = path.join(dir, 'metadata.json');
  let metadata: TeachableMachineMetadata | undefined;
  if (isFile(metadataPath)) {
    try {
      metadata = JSON.parse(readText(metadataPath)) as TeachableMachineMetadata;
    } catch (error) {
      throw new StationError('MODEL_INVALID', `${metadataPath} is not valid JSON (${(error as Error).message}).`, { cause: error });
    }
  }
  const labelsPath = findLabelsFile(dir);
  let labels: string[];
  let labelsFile: string;
  if (Array.isArray(metadata?.labels) && metadata.labels.length > 0) {
    labels = metadata.labels.map(String);
    labelsFile = metadataPath;
  } else if (labelsPath) {
    labels = readLabels(labelsPath);
    labelsFile = labelsPath;
  } else {
    throw new StationError('MODEL_INVALID', `${dir} has a TF.js model but no labels: add metadata.json with "labels" (as Teachable Machine exports) or labels.txt.`);
  }
  const outputs = modelOutputSize(model);
  if (outputs !== labels.length) {
    throw new StationError('MODEL_INVALID', `${path.basename(labelsFile)} lists ${labels.length} labels but the model's output layer has ${outputs ?? 'an unknown number of'} units.`);
  }

  const inferred = inferPreprocessing(model);
  let preprocessing: Preprocessing = inferred.preprocessing;
  let source = `inferred: ${inferred.reason}`;
  if (metadata?.tmVersion !== undefined) {
    // @teachablemachine/image predicts on cropTo(image, imageSize) (centre crop) and capture(),
    // which scales pixels as x / 127 - 1: (x - 127) / 127 in our terms.
    const size = typeof metadata.imageSize === 'number' ? metadata.imageSize : preprocessing.height;
    preprocessing = { height: size, width: size, resize: 'centre-crop', meanRgb: [127, 127, 127], stdRgb: [127, 127, 127], mode: 'torch' };
    source = 'Teachable Machine metadata.json (@teachablemachine/image: centre crop, x / 127 - 1)';
  }
  const preprocessingPath = path.join(dir, PREPROCESSING_FILE_NAME);
  const hasOverride = isFile(preprocessingPath);
  if (hasOverride) {
    preprocessing = readPreprocessingJson(preprocessingPath, preprocessing);
    source = PREPROCESSING_FILE_NAME;
  }

  const shardFiles = manifest.flatMap((group) => group.paths.map((shard) => path.resolve(dir, shard)));
  const hashed = [modelJsonPath, ...shardFiles, labelsFile, ...(hasOverride ? [preprocessingPath] : [])];
  const name = typeof metadata?.modelName === 'string' && metadata.modelName ? metadata.modelName : path.basename(dir);
  const version = typeof metadata?.timeStamp === 'string' ? metadata.timeStamp : (json.convertedBy ?? json.generatedBy ?? 'tfjs');
  return {
    identity: {
      name,
      version,
      contentHash: hashPackFiles(dir, [...new Set(hashed)]),
      format: 'tfjs-layers',
      sourcePath: options.sourcePath,
      labels,
      preprocessing: { ...preprocessing, source },
      provenance: { generatedBy: json.generatedBy, convertedBy: json.convertedBy, teachableMachine: metadata?.tmVersion },
    },
    preprocessing,
    layersModel: model,
    embeddingLayer: findEmbeddingLayer(model),
  };
}
