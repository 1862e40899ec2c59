import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { StationError } from '../../main/core/errors.js';
import { listLayerConfigs, normalizeKerasConfig, type JsonObject } from '../../main/core/vision/keras/keras-config.js';
import { buildModelFromKerasConfig } from '../../main/core/vision/keras/read-keras-h5.js';
import { sharedPath, skipUnlessShared } from '../helpers/shared-data.js';

const TOPOLOGY = ['models', 'keras-xception-topology', 'model.json'] as const;

/** A minimal functional Keras model config with the given middle layers between input and output. */
function functionalConfig(middle: Array<{ class_name: string; config: Record<string, unknown> }>, inputConfig: Record<string, unknown> = { batch_input_shape: [null, 8, 8, 3] }): Record<string, unknown> {
  const layers: unknown[] = [{ name: 'input_1', class_name: 'InputLayer', config: { name: 'input_1', dtype: 'float32', ...inputConfig }, inbound_nodes: [] }];
  let previous = 'input_1';
  for (const layer of middle) {
    const name = String(layer.config.name);
    layers.push({ name, class_name: layer.class_name, config: layer.config, inbound_nodes: [[[previous, 0, 0, {}]]] });
    previous = name;
  }
  return { class_name: 'Model', config: { name: 'm', layers, input_layers: [['input_1', 0, 0]], output_layers: [[previous, 0, 0]] } };
}

test('tfjs 4 rejects the real Keras 2.2.4 Xception as-is, and accepts it normalised', { skip: skipUnlessShared(...TOPOLOGY) }, async () => {
  const raw = JSON.parse(fs.readFileSync(sharedPath(...TOPOLOGY), 'utf8')) as { modelTopology: { model_config: unknown } };
  await assert.rejects(tf.models.modelFromJSON({ modelTopology: raw.modelTopology.model_config } as tf.io.ModelJSON), /kernelInitializer/);
  const normalized = normalizeKerasConfig(raw, 'model.json');
  assert.equal(normalized.kerasVersion, '2.2.4-tf');
  assert.equal(normalized.backend, 'tensorflow');
  const model = await tf.models.modelFromJSON({ modelTopology: normalized.modelConfig } as unknown as tf.io.ModelJSON);
  assert.equal(model.countParams(), 22_910_480);
  assert.equal(listLayerConfigs(normalized.modelConfig).length, 134);
});

test('Keras 2.4+/3 spellings are rewritten: Functional, batch_shape, dtype policies, Keras 3 inbound nodes', async () => {
  const config: JsonObject = {
    class_name: 'Functional',
    config: {
      name: 'k3',
      layers: [
        { name: 'in', class_name: 'InputLayer', module: 'keras.layers', config: { name: 'in', batch_shape: [null, 8, 8, 3], dtype: 'float32', sparse: false, ragged: false }, inbound_nodes: [] },
        {
          name: 'conv', class_name: 'Conv2D', module: 'keras.layers', registered_name: null,
          build_config: { input_shape: [null, 8, 8, 3] },
          config: { name: 'conv', filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'same', groups: 1, use_bias: true, activation: 'relu',
            dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'mixed_float16' } } },
          inbound_nodes: [{ args: [{ class_name: '__keras_tensor__', config: { shape: [null, 8, 8, 3], dtype: 'float32', keras_history: ['in', 0, 0] } }], kwargs: {} }],
        },
      ],
      input_layers: [['in', 0, 0]],
      output_layers: [['conv', 0, 0]],
    },
  };
  const model = await buildModelFromKerasConfig({ keras_version: '3.3.3', backend: 'tensorflow', model_config: config }, 'k3.h5');
  assert.deepEqual(model.outputs[0]?.shape, [null, 8, 8, 4]);
  assert.equal(model.countParams(), 3 * 3 * 3 * 4 + 4);
});

test('unknown layer classes are all named in one MODEL_UNSUPPORTED error', () => {
  const config = functionalConfig([
    { class_name: 'Lambda', config: { name: 'lambda_1', function: 'x' } },
    { class_name: 'MyCustomBlock', config: { name: 'custom' } },
    { class_name: 'TFOpLambda', config: { name: 'tf.math.add' } },
  ]);
  assert.throws(
    () => normalizeKerasConfig(config, 'weird.h5'),
    (error: unknown) => error instanceof StationError && error.code === 'MODEL_UNSUPPORTED' && /weird\.h5.*Lambda, MyCustomBlock, TFOpLambda/.test(error.message),
  );
});

test('an L2 kernel regularizer (as image-classification-tf sets on every layer) is accepted', async () => {
  const config = functionalConfig([
    { class_name: 'Conv2D', config: { name: 'c', filters: 2, kernel_size: [1, 1], kernel_regularizer: { class_name: 'L1L2', config: { l1: 0.0, l2: 9.999999747378752e-5 } } } },
  ]);
  const model = await buildModelFromKerasConfig(config, 'reg.h5');
  assert.deepEqual(model.outputs[0]?.shape, [null, 8, 8, 2]);
});

test('grouped convolutions are refused, groups=1 is accepted', async () => {
  const conv = (groups: number) => functionalConfig([{ class_name: 'Conv2D', config: { name: 'c', filters: 6, kernel_size: [1, 1], groups } }], { batch_input_shape: [null, 4, 4, 6] });
  assert.throws(() => normalizeKerasConfig(conv(3), 'g.h5'), (error: unknown) => error instanceof StationError && error.code === 'MODEL_UNSUPPORTED' && /groups=3/.test(error.message));
  const model = await buildModelFromKerasConfig(conv(1), 'g.h5');
  assert.deepEqual(model.outputs[0]?.shape, [null, 4, 4, 6]);
});

test('what is not a Keras model config is MODEL_INVALID', () => {
  const invalid = (input: unknown, pattern: RegExp) =>
    assert.throws(() => normalizeKerasConfig(input, 'x.json'), (error: unknown) => error instanceof StationError && error.code === 'MODEL_INVALID' && pattern.test(error.message));
  invalid('{not json', /not valid JSON/);
  invalid({ hello: 'world' }, /not a Keras model config/);
  invalid({ class_name: 'Dense', config: { units: 3 } }, /single Dense layer/);
});
