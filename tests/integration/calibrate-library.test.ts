import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { calibrateModel } from '../../main/core/learning/calibrate-model.js';
import { Library } from '../../main/core/library/index.js';
import { resolveSettings } from '../../main/core/settings.js';
import { rejectsWith } from '../helpers/station-error.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const LABELS = ['Acacia dealbata', 'Ailanthus altissima', 'Arundo donax'];

/**
 * Calibrating a downloaded model from the library's confirmed photos: their stored vectors are
 * used (no photo file is read), only the model's classes count, classes without photos are
 * judged by their top score alone, and every stored prediction is judged again.
 */
test('a model calibrated from the confirmed photos judges its stored predictions; classes without photos by score alone', async () => {
  const databasePath = path.join(makeTempDir(), 'library.sqlite');
  const settings = resolveSettings({ databasePath });
  const library = Library.open(databasePath);
  try {
    const model = library.models.add({ name: 'DEEP-OC', version: '1', contentHash: 'd'.repeat(64), format: 'deepoc', sourcePath: '/nowhere', labels: LABELS, preprocessing: {} });
    library.models.setActive(model.id);
    const importId = library.imports.start('/card', model.id);
    let seed = 1;
    const add = (embedding: number[], probabilities: number[], review?: string) => {
      const photoId = library.photos.insert({
        sha256: `p${seed++}`, byteSize: 1, importId, format: 'jpeg', width: 1, height: 1, orientation: 1, capturedAt: null,
        latitude: null, longitude: null, altitude: null, cameraMake: null, cameraModel: null, exifWarning: null,
      });
      library.predictions.save({ photoId, modelId: model.id, labels: LABELS, probabilities: Float32Array.from(probabilities), embedding: Float32Array.from(embedding), topK: 3 });
      if (review) library.reviews.record({ photoId, decision: 'corrected', species: review, reviewer: 'A. Ranger' });
      return photoId;
    };
    const jitter = (i: number) => 0.05 * Math.sin(i * 7.3);
    await assert.rejects(calibrateModel(library, model, { settings }), rejectsWith('TRAINING_DATA_INSUFFICIENT', /at least 2 labelled photos/));
    // Confirmed photos of two of the three classes, and one of a species the model does not know.
    for (let i = 0; i < 6; i++) {
      add([1, jitter(i), 0.1], [0.9, 0.05, 0.05], 'Acacia dealbata');
      add([jitter(i), 1, 0.1], [0.05, 0.9, 0.05], 'Ailanthus altissima');
    }
    add([0.5, 0.5, 0.5], [0.4, 0.3, 0.3], 'Pinus pinaster');
    const novel = add([0, 0.1, -1], [0.85, 0.1, 0.05]);
    const arundo = add([0.3, -0.2, 0.9], [0.05, 0.05, 0.9]);
    assert.equal(library.photos.get(novel)!.prediction!.openSet, null, 'not calibrated: no verdict');

    const result = await calibrateModel(library, model, { settings, by: 'A. Ranger' });
    assert.equal(result.summary.source, 'library');
    assert.equal(result.summary.calibratedClasses, 2);
    assert.equal(result.notModelClasses, 1, 'the pine is not a class of the model');
    assert.deepEqual(result.photosPerClass, { 'Acacia dealbata': 6, 'Ailanthus altissima': 6 });
    assert.equal(result.rejudged, 15);
    assert.equal(library.photos.get(novel)!.prediction!.openSet!.unknown, true, 'far from every calibrated species');
    const arundoVerdict = library.photos.get(arundo)!.prediction!.openSet!;
    assert.equal(arundoVerdict.basis, 'probabilities', 'a class without calibration photos is judged by its top score alone');
    assert.equal(arundoVerdict.unknown, false);
    assert.equal(library.calibrations.summary(model.id)!.calibratedBy, 'A. Ranger');
  } finally {
    library.close();
  }
});
