import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OptionError } from '../../src/tensor/errors.js';
import { checkOptions, editDistance, nearestName, requireOption } from '../../src/tensor/options.js';

interface LoaderOptions {
  batchSize?: number;
  shuffle?: boolean;
  dropLast?: boolean;
}
const KEYS = { batchSize: true, shuffle: true, dropLast: true } as const;

test('checkOptions passes known keys, undefined and null options', () => {
  checkOptions<LoaderOptions>('DataLoader', { batchSize: 4, shuffle: undefined }, KEYS);
  checkOptions<LoaderOptions>('DataLoader', undefined, KEYS);
  checkOptions<LoaderOptions>('DataLoader', null, KEYS);
});

test('an unknown key names itself, the owner and the nearest valid key', () => {
  const bad = { batch_size: 32 } as LoaderOptions;
  assert.throws(
    () => checkOptions('DataLoader', bad, KEYS),
    (e: unknown) =>
      e instanceof OptionError && e.message === "unknown option 'batch_size' for DataLoader; did you mean 'batchSize'?",
  );
  assert.throws(() => checkOptions('DataLoader', { shufle: true } as LoaderOptions, KEYS), /did you mean 'shuffle'/);
  // Nothing close: the valid keys are listed instead.
  assert.throws(
    () => checkOptions('DataLoader', { workers: 2 } as LoaderOptions, KEYS),
    /unknown option 'workers' for DataLoader; valid options: batchSize, shuffle, dropLast/,
  );
  assert.throws(() => checkOptions('ReLU', { x: 1 } as object, {}), /unknown option 'x' for ReLU; it takes no options/);
});

test('options that are not an object are refused', () => {
  assert.throws(
    () => checkOptions('DataLoader', 32 as unknown as LoaderOptions, KEYS),
    /options must be an object, got number/,
  );
  assert.throws(() => checkOptions('DataLoader', [] as unknown as LoaderOptions, KEYS), /got an array/);
});

test('nearestName folds case and underscores, then uses edit distance', () => {
  const names = ['tMax', 'etaMin', 'lastEpoch', 'padding', 'weightDecay'];
  assert.equal(nearestName('T_max', names), 'tMax');
  assert.equal(nearestName('weight_decay', names), 'weightDecay');
  assert.equal(nearestName('paddding', names), 'padding');
  assert.equal(nearestName('etamni', names), 'etaMin');
  assert.equal(nearestName('momentum', names), undefined);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abc'), 3);
});

test('requireOption returns a set value and names a missing one', () => {
  assert.equal(requireOption('CosineAnnealingLR', { tMax: 10 }, 'tMax'), 10);
  assert.throws(
    () => requireOption('CosineAnnealingLR', { tMax: undefined } as { tMax?: number }, 'tMax'),
    (e: unknown) => e instanceof OptionError && /CosineAnnealingLR: option 'tMax' is required/.test(e.message),
  );
});
