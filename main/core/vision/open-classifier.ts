import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../atomic-file.js';
import { StationError } from '../errors.js';
import type { Library, ModelRow } from '../library/index.js';
import { type Settings, modelStoreDir } from '../settings.js';
import type { ModelIdentity, PhotoClassifier } from './classifier.js';
import { createOnnxClassifier, resolveOnnxModel } from './inference/onnx-classifier.js';
import type { ModelPack, Preprocessing } from './model-pack.js';
import { loadModelPack } from './packs/load-model-pack.js';
import { type Int8AddOptions, compileInt8ForPack } from './add-int8-model.js';

export interface AddModelOptions {
  /** DEEP-OC archives: which `models/<timestamp>` to take (default the newest). */
  timestamp?: string;
  /** Make it the active model. */
  activate?: boolean;
  settings: Settings;
  /** Also compile a statically quantised int8 graph, kept if it passes the fidelity gate. */
  int8?: Int8AddOptions;
  /** What the library records as the pack's source when the path is a temporary copy (an upload): its name as the user knows it. */
  sourceName?: string;
}

/**
 * Adds a model pack to the library: loads it, compiles it to ONNX into the library's model
 * store, proves it runs (one inference), and registers it. With `int8`, also calibrates and
 * checks a quantised graph, which the model then runs from when it passed the gate. After
 * this the pack's original files are no longer needed.
 */
export async function addModelToLibrary(library: Library, sourcePath: string, options: AddModelOptions): Promise<ModelRow> {
  const storeDir = modelStoreDir(library.databasePath);
  fs.mkdirSync(storeDir, { recursive: true });
  const pack = await loadModelPack(sourcePath, { timestamp: options.timestamp });
  const classifier = await createOnnxClassifier(pack, { cacheDir: storeDir, maxPixels: options.settings.maxImagePixels });
  await classifier.close();
  const compiled = await resolveOnnxModel(pack, storeDir);
  let onnxPath = compiled.path;
  if (!onnxPath) {
    onnxPath = path.join(storeDir, `${pack.identity.contentHash}.onnx`);
    await writeFileAtomically(onnxPath, Buffer.from(compiled.bytes!));
  }
  const provenance: Record<string, unknown> = { ...(pack.identity.provenance ?? {}) };
  if (options.int8) {
    const fp32 = compiled.bytes ?? new Uint8Array(await fs.promises.readFile(onnxPath));
    const int8 = await compileInt8ForPack(library, pack, fp32, options.settings.maxImagePixels, options.int8);
    provenance.int8 = { ...int8.report, fp32OnnxPath: onnxPath };
    if (int8.bytes) {
      onnxPath = path.join(storeDir, `${path.basename(onnxPath, '.onnx')}.int8.onnx`);
      await writeFileAtomically(onnxPath, Buffer.from(int8.bytes));
    }
  }
  const identity = { ...pack.identity, ...(options.sourceName ? { sourcePath: options.sourceName } : {}), preprocessing: { ...pack.preprocessing }, provenance: Object.keys(provenance).length ? provenance : undefined };
  const row = library.models.add(identity, onnxPath);
  // Re-adding a model: its provenance says which graph (FP32 or int8) it runs now.
  if (JSON.stringify(row.provenance ?? null) !== JSON.stringify(identity.provenance ?? null)) library.models.setProvenance(row.id, identity.provenance ?? null);
  if (options.activate) library.models.setActive(row.id);
  return library.models.get(row.id)!;
}

/**
 * Removes a model and its predictions (reviews stay), and deletes its compiled files (FP32,
 * and int8 when it has one) from the model store when no other model runs from them.
 */
export function removeModelFromLibrary(library: Library, row: ModelRow): void {
  library.models.remove(row.id);
  const store = path.resolve(modelStoreDir(library.databasePath));
  const fp32 = (row.provenance?.int8 as { fp32OnnxPath?: unknown } | undefined)?.fp32OnnxPath;
  for (const compiled of [row.onnxPath, typeof fp32 === 'string' ? fp32 : null]) {
    const file = compiled ? path.resolve(compiled) : null;
    const shared = library.models.list().some((other) => other.onnxPath && path.resolve(other.onnxPath) === file);
    if (file && !shared && path.dirname(file) === store) fs.rmSync(file, { force: true });
  }
}

function identityOf(row: ModelRow): ModelIdentity {
  return {
    name: row.name,
    version: row.version,
    contentHash: row.contentHash,
    format: row.format as ModelIdentity['format'],
    sourcePath: row.sourcePath,
    labels: row.labels,
    labelInfo: row.labelInfo ?? undefined,
    preprocessing: row.preprocessing,
    provenance: row.provenance ?? undefined,
  };
}

/** A classifier for a model of the library, from its compiled ONNX file. */
export async function openLibraryModel(row: ModelRow, settings: Settings): Promise<PhotoClassifier> {
  if (!row.onnxPath || !fs.existsSync(row.onnxPath)) {
    throw new StationError(
      'MODEL_NOT_FOUND',
      `The compiled file of model #${row.id} "${row.name} ${row.version}" is missing${row.onnxPath ? ` (${row.onnxPath})` : ''}; add the model again with \`invasives models add ${row.sourcePath}\`.`,
    );
  }
  const pack: ModelPack = { identity: identityOf(row), preprocessing: row.preprocessing as unknown as Preprocessing };
  // The workers read the file themselves: no copy of the weights in this thread.
  return createOnnxClassifier(pack, { onnxPath: row.onnxPath, maxPixels: settings.maxImagePixels, tta: settings.tenCrop });
}

/** Finds a library model by id (`3`) or returns null when `spec` is not an id. */
export function findLibraryModel(library: Library, spec: string): ModelRow | null {
  if (!/^\d+$/.test(spec)) return null;
  const row = library.models.get(Number(spec));
  if (!row) throw new StationError('MODEL_NOT_FOUND', `The library has no model #${spec}; see \`invasives models list\`.`);
  return row;
}

export interface OpenClassifierOptions {
  /** A library model id, or a model pack path (added to the library first); absent → the active model. */
  model?: string;
  settings: Settings;
}

/** The classifier an import should use, or null when the library has no model yet. */
export async function openClassifier(library: Library, options: OpenClassifierOptions): Promise<PhotoClassifier | null> {
  let row: ModelRow | null;
  if (options.model === undefined) row = library.models.active();
  else row = findLibraryModel(library, options.model) ?? (await addModelToLibrary(library, options.model, { settings: options.settings }));
  return row ? openLibraryModel(row, options.settings) : null;
}
