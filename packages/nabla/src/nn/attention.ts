/**
 * MultiheadAttention with PyTorch's parameters (`in_proj_weight` [3E, E], `in_proj_bias`,
 * `out_proj.weight/bias`), init (xavier-uniform in_proj, zero biases) and masks, as a composite of
 * matmul and softmax. `forward(q, k, v, options?)` returns PyTorch's `[output, weights]` (weights
 * averaged over heads unless told otherwise; null with `needWeights: false`).
 */
import { ShapeError } from '../tensor/errors.js';
import { linear } from '../ops/matmul.js';
import { zeros } from '../tensor/create.js';
import { checkOptions } from '../tensor/options.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { dropout } from './functional/dropout.js';
import { constant_, xavierUniform_ } from './init.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

export interface MultiheadAttentionOptions {
  dropout?: number;
  bias?: boolean;
  /** Inputs and output as [N, L, E] instead of [L, N, E]. */
  batchFirst?: boolean;
}

export interface AttentionCallOptions {
  /** [N, S] bool: true marks keys to ignore (padding). */
  keyPaddingMask?: Tensor | null;
  /** [L, S] or [N·heads, L, S]: bool (true = not allowed) or float (added to the scores). */
  attnMask?: Tensor | null;
  /** Return the attention weights (default true); false gives null in their place. */
  needWeights?: boolean;
  /** Average the returned weights over heads (default true). */
  averageAttnWeights?: boolean;
}

/**
 * Scaled dot-product attention over `numHeads` heads, like `torch.nn.MultiheadAttention`.
 * @example
 * const mha = new MultiheadAttention(16, 4, { batchFirst: true });
 * const x = randn([2, 5, 16]);
 * const [out, weights] = mha.forward(x, x, x); // out [2, 5, 16], weights [2, 5, 5]
 */
export class MultiheadAttention extends Module<
  [query: Tensor, key: Tensor, value: Tensor, options?: AttentionCallOptions],
  [Tensor, Tensor | null]
> {
  readonly inProjWeight: Parameter;
  readonly inProjBias: Parameter | null;
  readonly outProj: Linear;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    options: MultiheadAttentionOptions = {},
  ) {
    super();
    checkOptions('MultiheadAttention', options, { dropout: true, bias: true, batchFirst: true });
    const { dropout: p = 0, bias = true, batchFirst = false } = options;
    if (!Number.isInteger(embedDim) || !Number.isInteger(numHeads) || numHeads < 1 || embedDim % numHeads !== 0) {
      throw new ShapeError(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    }
    [this.headDim, this.dropout, this.batchFirst] = [embedDim / numHeads, p, batchFirst];
    this.inProjWeight = this.registerParameter(
      'in_proj_weight',
      new Parameter(xavierUniform_(zeros([3 * embedDim, embedDim]))),
    );
    this.inProjBias = this.registerParameter('in_proj_bias', bias ? new Parameter(zeros([3 * embedDim])) : null);
    this.outProj = this.registerModule('out_proj', new Linear(embedDim, embedDim, { bias }));
    if (this.outProj.bias) constant_(this.outProj.bias, 0);
  }

  /** `[output, weights]`: weights [N, L, S] (or [N, heads, L, S] without averaging), null unless `needWeights`. */
  forward(query: Tensor, key: Tensor, value: Tensor, options: AttentionCallOptions = {}): [Tensor, Tensor | null] {
    checkOptions('MultiheadAttention.forward', options, {
      keyPaddingMask: true,
      attnMask: true,
      needWeights: true,
      averageAttnWeights: true,
    });
    const { keyPaddingMask = null, attnMask = null, needWeights = true, averageAttnWeights = true } = options;
    const unbatched = query.ndim === 2;
    const seqFirst = (t: Tensor): Tensor => (unbatched ? t.unsqueeze(1) : this.batchFirst ? t.transpose(0, 1) : t);
    const [q0, k0, v0] = [seqFirst(query), seqFirst(key), seqFirst(value)]; // [L, N, E], [S, N, E]
    const [L, N, E] = q0.shape;
    const S = k0.shape[0];
    if (E !== this.embedDim || k0.shape[2] !== E || v0.shape[2] !== E) {
      throw new ShapeError(
        `MultiheadAttention: expected embedding size ${this.embedDim}, got query ${formatShape(query.shape)}, key ${formatShape(key.shape)}, value ${formatShape(value.shape)}`,
      );
    }
    const [wq, wk, wv] = this.inProjWeight.chunk(3, 0);
    const [bq, bk, bv] = this.inProjBias ? this.inProjBias.chunk(3, 0) : [undefined, undefined, undefined];
    // [L, N, E] → [N·heads, L, headDim]
    const heads = (t: Tensor, len: number): Tensor => t.reshape(len, N * this.numHeads, this.headDim).transpose(0, 1);
    const q = heads(linear(q0, wq, bq), L).div(Math.sqrt(this.headDim));
    const k = heads(linear(k0, wk, bk), S);
    const v = heads(linear(v0, wv, bv), S);
    let scores = q.matmul(k.transpose(1, 2)); // [N·heads, L, S]
    if (attnMask) scores = attnMask.dtype === 'bool' ? scores.maskedFill(attnMask, -Infinity) : scores.add(attnMask);
    if (keyPaddingMask) {
      const m = (unbatched ? keyPaddingMask.unsqueeze(0) : keyPaddingMask).reshape(N, 1, 1, S);
      scores = scores
        .reshape(N, this.numHeads, L, S)
        .maskedFill(m, -Infinity)
        .reshape(N * this.numHeads, L, S);
    }
    const probs = scores.softmax(-1);
    const used = this.dropout > 0 && this.training ? dropout(probs, this.dropout, true) : probs;
    const context = used.matmul(v).transpose(0, 1).reshape(L, N, E); // [L, N, E]
    let out = this.outProj.forward(context);
    out = unbatched ? out.squeeze(1) : this.batchFirst ? out.transpose(0, 1) : out;
    if (!needWeights) return [out, null];
    let weights = used.reshape(N, this.numHeads, L, S); // PyTorch returns the weights after dropout
    if (averageAttnWeights) weights = weights.mean(1);
    return [out, unbatched ? weights.squeeze(0) : weights];
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}${this.batchFirst ? ', batchFirst=true' : ''}`;
  }
}
