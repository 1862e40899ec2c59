import { importFolder } from '../../main/core/ingest/import-folder.js';
import type { Library, PhotoSummary } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';

/** A model as the library records it: its identity and classes (nothing of it is run). */
export interface RecordedModel {
  name: string;
  contentHash: string;
  sourcePath: string;
  labels: string[];
}

/**
 * Imports the card at `card` (tests/fixtures/make-card.ts) as the station does, makes `model`
 * the active model and saves its prediction for every photo: `probabilities(photo)`, one per label.
 */
export async function importCardWithPredictions(library: Library, card: string, model: RecordedModel, probabilities: (photo: PhotoSummary) => number[]): Promise<void> {
  await importFolder(library, card, { settings: resolveSettings({ databasePath: library.databasePath }) });
  const { id: modelId } = library.models.add({ ...model, version: '1', format: 'onnx', preprocessing: {} });
  library.models.setActive(modelId);
  for (const photo of library.photos.query()) {
    library.predictions.save({ photoId: photo.id, modelId, labels: model.labels, probabilities: Float32Array.from(probabilities(photo)), topK: model.labels.length });
  }
}
