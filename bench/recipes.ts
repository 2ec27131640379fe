/**
 * The Fashion-MNIST recipes as the bench runs them: examples/fashion-mnist-{mlp,cnn}.ts and their
 * PyTorch counterparts in examples/pytorch/, on the real data (loading included), cut to a fixed
 * number of steps. Each run is one process; its wall time, start to exit, is the number.
 */
import { existsSync } from 'node:fs';
import { runJson, PYTHON, type Row } from './peers.js';

const root = new URL('../', import.meta.url).pathname;
export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

export interface Recipe {
  key: 'fashionMlp' | 'fashionCnn';
  nabla: string;
  torch: string;
  /** Arguments both sides get: a fixed number of steps (one epoch, or the first images of one). */
  args: string[];
  steps: number;
}

export const RECIPES: Recipe[] = [
  // 60,000 images, batch 128: 469 Adam steps, then the 10,000-image test pass.
  {
    key: 'fashionMlp',
    nabla: 'examples/fashion-mnist-mlp.ts',
    torch: 'examples/pytorch/fashion_mnist_mlp.py',
    args: ['--epochs', '1'],
    steps: 469,
  },
  // The CNN on its first 6,400 images, batch 128: 50 Adam steps, then the test pass.
  {
    key: 'fashionCnn',
    nabla: 'examples/fashion-mnist-cnn.ts',
    torch: 'examples/pytorch/fashion_mnist_cnn.py',
    args: ['--epochs', '1', '--limit', '6400'],
    steps: 50,
  },
];

/** Why the recipes cannot run here, or null when the data set is installed. */
export function recipesMissing(): string | null {
  const files = [
    'train-images-idx3-ubyte.gz',
    'train-labels-idx1-ubyte.gz',
    't10k-images-idx3-ubyte.gz',
    't10k-labels-idx1-ubyte.gz',
  ];
  return files.every((f) => existsSync(`${FASHION_DIR}/${f}`))
    ? null
    : `Fashion-MNIST is not in ${FASHION_DIR} (sh scripts/install-fashion-mnist.sh installs it)`;
}

/**
 * Runs one recipe: nabla on `backend` (native or wasm) or PyTorch (`torchLibDir`: the OpenBLAS
 * build to load, or null for the default), at `threads` threads. Returns the process wall time
 * (s), the training time the recipe reports itself, and its test accuracy.
 */
export function runRecipe(
  recipe: Recipe,
  side: { nabla: 'native' | 'wasm' } | { torchLibDir: string | null },
  threads: number,
): Row {
  const t = String(threads);
  const start = performance.now();
  const row =
    'nabla' in side
      ? runJson(process.execPath, [
          '--conditions=nabla-source',
          '--import',
          'tsx',
          root + recipe.nabla,
          ...recipe.args,
          '--backend',
          side.nabla,
          '--threads',
          t,
        ])
      : runJson(PYTHON, [root + recipe.torch, ...recipe.args, '--threads', t], {
          OMP_NUM_THREADS: t,
          OPENBLAS_NUM_THREADS: t,
          MKL_NUM_THREADS: t,
          ...(side.torchLibDir ? { LD_LIBRARY_PATH: side.torchLibDir } : {}),
        });
  const seconds = (performance.now() - start) / 1000;
  if (typeof row.error === 'string') return { [`${recipe.key}Error`]: row.error };
  const backend = typeof row.backend === 'string' ? row.backend : '';
  if ('nabla' in side && side.nabla === 'native' && !backend.startsWith('native')) {
    return { [`${recipe.key}Error`]: `ran on ${backend}, not native` };
  }
  return {
    [recipe.key]: seconds,
    [`${recipe.key}Train`]: Number(row.trainSeconds),
    [`${recipe.key}Accuracy`]: Number(row.accuracy),
    [`${recipe.key}Backend`]: backend,
  };
}
