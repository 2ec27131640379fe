/**
 * Loads every op family, so that each installs its Tensor methods (see tensor/methods.ts), and
 * the autograd engine, which installs `backward()`. Every family module imports this file, so
 * importing any op module (or anything that imports one: nn, the library's entry) gives tensors
 * all their methods. Families only reach each other inside function bodies, so the import cycle
 * this closes is harmless.
 */
import '../autograd/engine.js';
import './comparison.js';
import './elementwise.js';
import './in-place.js';
import './indexing.js';
import './linalg.js';
import './logarithm.js';
import './masking.js';
import './matmul.js';
import './movement.js';
import './rearrange.js';
import './reduce.js';
import './rounding.js';
import './scan.js';
import './scatter.js';
import './softmax.js';
import './split.js';
import './trig.js';
