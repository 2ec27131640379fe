import { DTypeError, OptionError, ShapeError, StateError } from '../tensor/errors.js';
import { checkOptions, unknownOption } from '../tensor/options.js';
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { zeroGradInPlace } from '../autograd/graph.js';
import { isFloating } from '../tensor/dtype.js';
import { formatShape, shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { Storage } from '../tensor/storage.js';
import { getBackend } from '../backend/index.js';
import type { NestedArray } from '../tensor/format.js';
import { ownedCopy } from './dense.js';

/** Hyper-parameters every optimizer has; `initialLr` is set by learning-rate schedulers. */
export interface BaseHyper {
  lr: number;
  initialLr?: number;
}

/** A value a parameter group may hold as a hyper-parameter. */
export type HyperValue = number | boolean | readonly number[];

/** A parameter group: its tensors plus every hyper-parameter (defaults filled in). */
export type ParamGroup<H> = H & { params: Tensor[] };

/** A parameter group as given by the user: hyper-parameters not given take the defaults. */
export type ParamGroupInput<H> = Partial<H> & { params: readonly Tensor[] };

/** The tensors to optimize, or groups of them with their own hyper-parameters. */
export type ParamsInput<H> = readonly Tensor[] | readonly ParamGroupInput<H>[];

/** Per-parameter state of an optimizer (buffers as tensors, counters as numbers). */
export type ParamState = Record<string, Tensor | number>;

/** A state value as found in a saved state dict: a tensor, a number or nested number arrays. */
export type SavedStateValue = Tensor | number | NestedArray;

/**
 * An optimizer's state, by parameter index like PyTorch's `state_dict()`: parameters are
 * numbered through all groups in order. With `{ arrays: true }` tensors are nested number
 * arrays, so the object survives `JSON.stringify` / `JSON.parse`.
 */
export interface OptimizerStateDict {
  state: Record<number, Record<string, SavedStateValue>>;
  paramGroups: (Record<string, HyperValue> & { params: number[] })[];
}

/**
 * Base class of optimizers, like `torch.optim.Optimizer`: parameter groups (each with its
 * hyper-parameters), per-parameter state created on a parameter's first step, `zeroGrad`,
 * `stateDict` / `loadStateDict`. Subclasses give `initState` and `updateParam`, which apply
 * one step to one parameter.
 * @example
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad();
 * lossFn(model.forward(x), y).backward();
 * opt.step();
 */
export abstract class Optimizer<H extends BaseHyper, S extends ParamState = ParamState> {
  readonly paramGroups: ParamGroup<H>[] = [];
  /** Per-parameter state, keyed by the parameter tensor. */
  readonly state = new Map<Tensor, S>();
  /** Each parameter's gradient storage at its last step (see keepResident). */
  private readonly gradSeen = new WeakMap<Tensor, Storage>();

  constructor(
    params: ParamsInput<H>,
    readonly defaults: Readonly<Partial<H>>,
  ) {
    if (params instanceof Tensor) {
      throw new OptionError(
        'optimizer: params should be an array of tensors or of parameter groups, but got a single Tensor; wrap it in an array',
      );
    }
    const list = [...params];
    if (list.length === 0)
      throw new OptionError(
        "optimizer got an empty parameter list (model.parameters() found none). A module's parameters are its fields holding an nn.Parameter or an nn.Module; a plain Tensor field is not one (wrap it: new nn.Parameter(t)), and layers kept in a plain array are not found (use nn.ModuleList)",
      );
    const groups =
      list[0] instanceof Tensor
        ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<H>]
        : (list as ParamGroupInput<H>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /** The state a parameter starts with on its first step. */
  protected abstract initState(param: Tensor, group: ParamGroup<H>): S;

  /** Applies one update to `param` (contiguous data handled by the caller) given its gradient. */
  protected abstract updateParam(param: Tensor, grad: Tensor, state: S, group: ParamGroup<H>): void;

  /**
   * Adds a group of parameters, e.g. layers unfrozen while fine-tuning. Hyper-parameters not
   * given take the optimizer's defaults.
   */
  addParamGroup(group: ParamGroupInput<H>): void {
    // A group's keys are `params` and the optimizer's hyper-parameters ('initialLr' is set by
    // schedulers); a misspelled one would silently take the default.
    const groupKeys = ['params', ...Object.keys(this.defaults)];
    for (const key of Object.keys(group)) {
      if (key !== 'initialLr' && !groupKeys.includes(key))
        throw unknownOption(`${this.constructor.name} parameter group`, key, groupKeys);
    }
    const params = [...group.params];
    params.forEach((p, i) => {
      if (!(p instanceof Tensor))
        throw new OptionError(`optimizer can only optimize Tensors, but params[${i}] is ${typeof p}`);
      if (!p.isLeaf && !p.retainsGrad)
        throw new ShapeError(`can't optimize a non-leaf Tensor (params[${i}], shape ${formatShape(p.shape)})`);
      if (!isFloating(p.dtype))
        throw new DTypeError(
          `optimizer: params[${i}] has dtype ${p.dtype}; only float32/float64 tensors can be optimized`,
        );
    });
    if (new Set(params).size !== params.length)
      throw new OptionError('optimizer: a parameter group contains the same parameter more than once');
    const merged = { ...this.defaults, ...group, params } as Record<string, unknown>;
    for (const [k, v] of Object.entries(merged)) {
      if (v === undefined)
        throw new OptionError(`parameter group didn't specify a value of required optimization parameter ${k}`);
    }
    if (typeof merged.lr !== 'number')
      throw new OptionError("parameter group didn't specify a value of required optimization parameter lr");
    const taken = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => taken.has(p)))
      throw new OptionError('some parameters appear in more than one parameter group');
    this.paramGroups.push(merged as unknown as ParamGroup<H>);
  }

  /**
   * Clears the gradients of every parameter: to zeros in place (default, as PyTorch 1.13's
   * `zero_grad()`), or to null with `setToNone` (PyTorch ≥ 2.0's default), which frees them.
   * @example
   * opt.zeroGrad(); // every p.grad that exists is now zeros
   */
  zeroGrad(setToNone = false): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p.grad) continue;
        if (setToNone) p.grad = null;
        else noGrad(() => zeroGradInPlace(p.grad!));
      }
    }
  }

  /**
   * One optimization step over every parameter that has a gradient. `closure`, if given,
   * re-evaluates the model (with grad enabled) and its result is returned.
   */
  step<L>(closure?: () => L): L | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    const keep = getBackend().keepResident;
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (!p.grad) continue;
          if (!shapesEqual(p.grad.shape, p.shape)) {
            throw new ShapeError(
              `optimizer.step: a parameter of shape ${formatShape(p.shape)} has a gradient of shape ${formatShape(p.grad.shape)}`,
            );
          }
          let st = this.state.get(p);
          if (!st) {
            st = this.initState(p, group);
            this.state.set(p, st);
          }
          const grad = p.grad.dtype === p.dtype ? p.grad : p.grad.to(p.dtype);
          this.updateParam(p, grad, st, group);
          if (keep) this.keepResident(keep, p, st);
        }
      }
    });
    return loss;
  }

  /**
   * Lets the backend keep the parameter, its optimizer state and its gradient in its own memory
   * (`Backend.keepResident`), so the next steps update them in place. The gradient only once it
   * has outlived a step: one that zeroGrad(true) replaces each step would be moved for nothing.
   */
  private keepResident(keep: (storage: Storage) => void, p: Tensor, st: S): void {
    keep(p.storage);
    for (const v of Object.values(st)) if (v instanceof Tensor) keep(v.storage);
    const g = p.grad!.storage;
    if (this.gradSeen.get(p) === g) keep(g);
    else this.gradSeen.set(p, g);
  }

  /** The state (by parameter index) and hyper-parameters; tensors are copies. */
  stateDict(options: { arrays?: boolean } = {}): OptimizerStateDict {
    checkOptions('stateDict', options, { arrays: true });
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...hyper } = g;
      for (const p of params) if (!index.has(p)) index.set(p, index.size);
      return { ...(hyper as unknown as Record<string, HyperValue>), params: params.map((p) => index.get(p)!) };
    });
    const state: OptimizerStateDict['state'] = {};
    for (const [p, st] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const out: Record<string, SavedStateValue> = {};
      for (const [k, v] of Object.entries(st)) {
        out[k] = typeof v === 'number' ? v : options.arrays ? v.toArray() : v.clone();
      }
      state[i] = out;
    }
    return { state, paramGroups };
  }

  /**
   * Restores state and hyper-parameters saved by `stateDict()` (tensors or number arrays),
   * matching parameters by index; groups must have the same sizes as this optimizer's.
   */
  loadStateDict(saved: OptimizerStateDict): void {
    const groups = saved.paramGroups;
    checkSavedGroups(groups, this.paramGroups);
    const byId = new Map<number, Tensor>();
    groups.forEach((g, i) => g.params.forEach((id, j) => byId.set(id, this.paramGroups[i].params[j])));
    const state = new Map<Tensor, S>();
    for (const [key, entry] of Object.entries(saved.state)) {
      const p = byId.get(Number(key));
      if (!p)
        throw new StateError(
          `loadStateDict: the saved state has an entry for parameter ${key}, which no saved group lists`,
        );
      const st: Record<string, Tensor | number> = {};
      for (const [k, v] of Object.entries(entry))
        st[k] = typeof v === 'number' ? v : ownedCopy(v, p, `state[${key}].${k}`);
      state.set(p, st as S);
    }
    this.state.clear();
    for (const [p, st] of state) this.state.set(p, st);
    groups.forEach((g, i) => {
      const { params: _ids, ...hyper } = g;
      Object.assign(this.paramGroups[i], structuredClone(hyper));
    });
  }
}

/** Saved groups must match the optimizer's in number, sizes and hyper-parameter names/types. */
function checkSavedGroups(saved: OptimizerStateDict['paramGroups'], own: readonly ParamGroup<BaseHyper>[]): void {
  if (saved.length !== own.length) {
    throw new StateError(
      `loadStateDict: the saved state has ${saved.length} parameter groups but this optimizer has ${own.length}`,
    );
  }
  saved.forEach((g, i) => {
    if (g.params.length !== own[i].params.length) {
      throw new StateError(
        `loadStateDict: saved parameter group ${i} has ${g.params.length} parameters but this optimizer's has ${own[i].params.length}`,
      );
    }
    for (const [k, v] of Object.entries(own[i])) {
      if (k === 'params' || k === 'initialLr') continue;
      if (!(k in g)) throw new StateError(`loadStateDict: saved parameter group ${i} lacks hyper-parameter '${k}'`);
      if (typeof g[k] !== typeof v)
        throw new StateError(
          `loadStateDict: hyper-parameter '${k}' of group ${i} is ${typeof g[k]} in the saved state but ${typeof v} here`,
        );
    }
  });
}
