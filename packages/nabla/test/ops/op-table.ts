/**
 * nabla's op table (like PyTorch's OpInfo), one entry per op, grouped by family in table/*.ts:
 * how a PyTorch user writes the op with nabla's public API (checked against the PyTorch cases of
 * test/fixtures/ops.json by pytorch.test.ts) and its float64 finite-difference checks
 * (gradcheck.test.ts, and the same cases for second derivatives in gradgradcheck.test.ts). All
 * run on every backend of test/backends.ts.
 */
import type { OpTable } from './op-info.js';
import { creationOps } from './table/creation.js';
import { elementwiseOps } from './table/elementwise.js';
import { indexingOps } from './table/indexing.js';
import { linalgOps } from './table/linalg.js';
import { movementOps } from './table/movement.js';
import { nnFunctionalOps } from './table/nn-functional.js';
import { reduceOps } from './table/reduce.js';

const FAMILIES: OpTable[] = [
  elementwiseOps,
  reduceOps,
  movementOps,
  indexingOps,
  linalgOps,
  nnFunctionalOps,
  creationOps,
];

function join(families: OpTable[]): OpTable {
  const out: OpTable = {};
  for (const family of families) {
    for (const [op, info] of Object.entries(family)) {
      if (op in out) throw new Error(`op table: ${op} is declared in two families`);
      out[op] = info;
    }
  }
  return out;
}

export const OPS: OpTable = join(FAMILIES);
