import fs from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { StationError } from '../../errors.js';
import type { ModelPack, Preprocessing } from '../model-pack.js';
import { PREPROCESSING_FILE_NAME, findLabelsFile, hashPackFiles, isFile, readLabels, readPreprocessingJson } from './pack-files.js';

const { onnx } = onnxProto;

/** Dimensions of an ONNX value: numbers when fixed, the symbolic name (or null) otherwise. */
function dimsOf(value: onnxProto.onnx.IValueInfoProto | null | undefined): (number | string | null)[] {
  const dims = value?.type?.tensorType?.shape?.dim ?? [];
  return dims.map((dim) => {
    if (dim.dimValue !== undefined && dim.dimValue !== null && String(dim.dimValue) !== '0') return Number(dim.dimValue);
    return dim.dimParam || null;
  });
}

/** A plain `.onnx` model with a labels file and `preprocessing.json` beside it. */
export async function loadOnnxPack(onnxPath: string, options: { sourcePath: string }): Promise<ModelPack> {
  const dir = path.dirname(onnxPath);
  const fileName = path.basename(onnxPath);
  const bytes = new Uint8Array(fs.readFileSync(onnxPath));
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new StationError('MODEL_INVALID', `${fileName} is not an ONNX model (${(error as Error).message}); it is damaged or another kind of file.`, { cause: error });
  }
  const graph = model.graph;
  if (!graph || (graph.node?.length ?? 0) === 0 || (graph.output?.length ?? 0) === 0) {
    throw new StationError('MODEL_INVALID', `${fileName} is not an ONNX model: it has no graph (nodes and outputs).`);
  }
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const realInputs = (graph.input ?? []).filter((input) => !initializers.has(input.name));
  if (realInputs.length !== 1) {
    throw new StationError('MODEL_UNSUPPORTED', `${fileName} has ${realInputs.length} inputs; an image classifier takes exactly one image tensor.`);
  }
  const input = realInputs[0];
  const inputDims = dimsOf(input);
  const output = graph.output?.[0];
  const outputDims = dimsOf(output);

  const labelsPath = findLabelsFile(dir);
  if (!labelsPath) throw new StationError('MODEL_INVALID', `${fileName} has no labels.txt or classes.txt beside it: add one with a class name per line.`);
  const labels = readLabels(labelsPath);
  const classes = outputDims.at(-1);
  if (typeof classes === 'number' && classes !== labels.length) {
    throw new StationError('MODEL_INVALID', `${path.basename(labelsPath)} lists ${labels.length} labels but ${fileName}'s output "${output?.name}" has ${classes} classes.`);
  }
  const preprocessingPath = path.join(dir, PREPROCESSING_FILE_NAME);
  if (!isFile(preprocessingPath)) {
    throw new StationError('MODEL_INVALID', `${fileName} needs a ${PREPROCESSING_FILE_NAME} beside it saying how photos are normalised, e.g. {"size": 224, "mean": [127.5, 127.5, 127.5], "std": [1, 1, 1], "mode": "tf"}.`);
  }
  // Image size defaults from the input shape, NHWC [n,h,w,3] or NCHW [n,3,h,w].
  const channelsLast = inputDims.length === 4 && inputDims[3] === 3;
  const h = channelsLast ? inputDims[1] : inputDims[2];
  const w = channelsLast ? inputDims[2] : inputDims[3];
  const fallback: Preprocessing = {
    height: typeof h === 'number' ? h : 224,
    width: typeof w === 'number' ? w : 224,
    resize: 'stretch',
    meanRgb: [0, 0, 0],
    stdRgb: [1, 1, 1],
    mode: 'raw',
  };
  const preprocessing = readPreprocessingJson(preprocessingPath, fallback);
  return {
    identity: {
      name: fileName.replace(/\.onnx$/i, ''),
      version: model.producerName ? `${model.producerName} ${model.producerVersion ?? ''}`.trim() : `onnx ir ${String(model.irVersion ?? '')}`.trim(),
      contentHash: hashPackFiles(dir, [onnxPath, labelsPath, preprocessingPath]),
      format: 'onnx',
      sourcePath: options.sourcePath,
      labels,
      preprocessing: { ...preprocessing, source: PREPROCESSING_FILE_NAME },
      provenance: {
        onnxInput: { name: input?.name, dims: inputDims, layout: channelsLast ? 'NHWC' : 'NCHW' },
        onnxOutput: { name: output?.name, dims: outputDims },
        opset: (model.opsetImport ?? []).map((o) => `${o.domain || 'ai.onnx'}:${String(o.version)}`),
      },
    },
    preprocessing,
    onnxModel: bytes,
  };
}
