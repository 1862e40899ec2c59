/** The import's bound on full-size frames in memory: acquire waits for a release, in order. */
import assert from 'node:assert/strict';
import test from 'node:test';
import { FrameSlots } from '../../main/core/ingest/frame-slots.js';

test('with 2 slots a third photo waits until one frame is released, and waiters go first come first served', async () => {
  const slots = new FrameSlots(2);
  const first = await slots.acquire();
  await slots.acquire();
  const order: string[] = [];
  const third = slots.acquire().then((release) => { order.push('third'); return release; });
  const fourth = slots.acquire().then((release) => { order.push('fourth'); return release; });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, [], 'both wait while two frames are held');
  first();
  first(); // a second release of the same slot frees nothing more
  const releaseThird = await third;
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, ['third']);
  releaseThird();
  await fourth;
  assert.deepEqual(order, ['third', 'fourth']);
});
