/**
 * The library's errors. Every error nabla throws for bad input is a `NablaError`, and the
 * subclass says what kind of input was wrong, so callers can catch one kind
 * (`catch (e) { if (e instanceof OptionError) … }`) and read the message for the details:
 *
 * - `ShapeError`: shapes or sizes that do not fit together (broadcast, matmul, reshape, cat).
 * - `IndexError`: a dimension or an index outside its range (PyTorch raises IndexError too).
 * - `DTypeError`: an unknown dtype string, or a dtype an op cannot take (`mean` of int32).
 * - `OptionError`: an unknown option key, a required option missing, or an option or argument
 *   value outside what the function accepts (a negative learning rate, a zero step).
 * - `StateError`: the call is fine but the object is not in a state that allows it (backward
 *   twice through a freed graph, a state dict with missing keys, a non-leaf's data replaced).
 * - `FormatError`: a file or encoded input that is malformed (safetensors, ONNX, CSV, IDX, JSON).
 *
 * An error that wraps another keeps it as `cause` (the standard `Error` option), so the
 * original stack stays reachable.
 * @example
 * try {
 *   zeros([2, 3]).add(zeros([4, 3]));
 * } catch (e) {
 *   e instanceof ShapeError; // true; e.message names both shapes
 * }
 */
export class NablaError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    // `new.target.name`, so each subclass names itself without repeating this line.
    this.name = new.target.name;
  }
}

/** Shapes or sizes that do not fit together. */
export class ShapeError extends NablaError {}

/** A dimension or an index outside its valid range. */
export class IndexError extends NablaError {}

/** An unknown dtype, or a dtype the operation does not take. */
export class DTypeError extends NablaError {}

/** An unknown option key, a missing required option, or an option or argument value out of range. */
export class OptionError extends NablaError {}

/** An object (tensor, graph, module, optimizer, loader) not in a state that allows the call. */
export class StateError extends NablaError {}

/** A malformed file or encoded input. */
export class FormatError extends NablaError {}
