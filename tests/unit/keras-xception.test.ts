import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { buildModelFromKerasConfig } from '../../main/core/vision/keras/read-keras-h5.js';
import { buildDeepOcXception, buildXception, deepOcNamesFromLayerNames } from '../../main/core/vision/keras/xception.js';
import { sharedPath, skipUnlessShared } from '../helpers/shared-data.js';

const TOPOLOGY = ['models', 'keras-xception-topology', 'model.json'] as const;

function describeLayers(model: tf.LayersModel): string[] {
  return model.layers.map((layer) => `${layer.name} ${layer.getClassName()} ${JSON.stringify(layer.outputShape)}`);
}

test('buildXception matches the real Keras 2.2.4 Xception topology layer for layer', { skip: skipUnlessShared(...TOPOLOGY) }, async () => {
  const reference = await buildModelFromKerasConfig(fs.readFileSync(sharedPath(...TOPOLOGY), 'utf8'), 'model.json');
  const ours = buildXception();
  assert.deepEqual(describeLayers(ours), describeLayers(reference));
  // Same wiring: every layer takes its inputs from the same layers.
  const inbound = (model: tf.LayersModel): string[] =>
    model.layers.map((layer) => `${layer.name}<-${layer.inboundNodes.flatMap((node) => node.inboundLayers.map((l) => l.name)).join(',')}`);
  assert.deepEqual(inbound(ours), inbound(reference));
  assert.equal(ours.countParams(), 22_910_480);
  assert.equal(reference.countParams(), 22_910_480);
});

test('buildXception without top ends at block14 with 2048 channels, pooled when asked', () => {
  const base = buildXception({ includeTop: false, inputShape: [224, 224, 3] });
  assert.deepEqual(base.outputs[0]?.shape, [null, 7, 7, 2048]);
  const pooled = buildXception({ includeTop: false, pooling: 'avg', inputShape: [224, 224, 3] });
  assert.deepEqual(pooled.outputs[0]?.shape, [null, 2048]);
  assert.throws(() => buildXception({ inputShape: [32, 32, 3] }), /at least 71x71/);
});

test('the DEEP-OC head sits on Xception with image-classification-tf layer names', () => {
  const model = buildDeepOcXception({ classes: 7 });
  const names = model.layers.map((layer) => layer.name);
  assert.deepEqual(names.slice(-3), ['global_average_pooling2d', 'dense', 'dense_1']);
  assert.deepEqual(model.inputs[0]?.shape, [null, 224, 224, 3]);
  assert.deepEqual(model.outputs[0]?.shape, [null, 7]);
  // Xception base without top (20,861,480) + Dense(2048->1024) + Dense(1024->7).
  assert.equal(model.countParams(), 20_861_480 + 2048 * 1024 + 1024 + 1024 * 7 + 7);
  // The session-generated names read back from a file's layer_names rebuild the same model.
  const recovered = deepOcNamesFromLayerNames(names);
  const rebuilt = buildDeepOcXception({ classes: 7, ...recovered });
  assert.deepEqual(rebuilt.layers.map((layer) => layer.name), names);
});
