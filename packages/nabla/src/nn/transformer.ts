/**
 * TransformerEncoderLayer and TransformerEncoder as in PyTorch 1.13: self-attention and a
 * feed-forward block, each with dropout, residual and LayerNorm (post-norm by default,
 * `normFirst` for pre-norm), with PyTorch's sub-module names so state dicts load 1:1.
 */
import { checkOptions } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { MultiheadAttention } from './attention.js';
import { ModuleList } from './container.js';
import { Dropout } from './dropout.js';
import { gelu, relu } from './functional/activation.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { LayerNorm } from './normalization.js';

export interface TransformerEncoderLayerOptions {
  dimFeedforward?: number;
  dropout?: number;
  activation?: 'relu' | 'gelu' | ((x: Tensor) => Tensor);
  layerNormEps?: number;
  batchFirst?: boolean;
  normFirst?: boolean;
}

export interface EncoderCallOptions {
  /** [L, L] (or [N·heads, L, L]) bool or additive float mask. */
  srcMask?: Tensor | null;
  /** [N, L] bool, true at padding positions. */
  srcKeyPaddingMask?: Tensor | null;
}

/**
 * One encoder block, like `torch.nn.TransformerEncoderLayer(dModel, nhead, ...)`.
 * @example
 * const layer = new TransformerEncoderLayer(16, 4, { dimFeedforward: 32, batchFirst: true });
 * layer.forward(randn([2, 5, 16])).shape; // [2, 5, 16]
 */
export class TransformerEncoderLayer extends Module<[src: Tensor, masks?: EncoderCallOptions], Tensor> {
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly normFirst: boolean;
  private readonly activation: (x: Tensor) => Tensor;

  constructor(
    readonly dModel: number,
    readonly nhead: number,
    readonly options: TransformerEncoderLayerOptions = {},
  ) {
    super();
    checkOptions('TransformerEncoderLayer', options, {
      dimFeedforward: true,
      dropout: true,
      activation: true,
      layerNormEps: true,
      batchFirst: true,
      normFirst: true,
    });
    const {
      dimFeedforward = 2048,
      dropout: p = 0.1,
      activation = 'relu',
      layerNormEps = 1e-5,
      batchFirst = false,
      normFirst = false,
    } = options;
    this.selfAttn = this.registerModule('self_attn', new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst }));
    this.linear1 = this.registerModule('linear1', new Linear(dModel, dimFeedforward));
    this.dropout = this.registerModule('dropout', new Dropout(p));
    this.linear2 = this.registerModule('linear2', new Linear(dimFeedforward, dModel));
    this.norm1 = this.registerModule('norm1', new LayerNorm(dModel, { eps: layerNormEps }));
    this.norm2 = this.registerModule('norm2', new LayerNorm(dModel, { eps: layerNormEps }));
    this.dropout1 = this.registerModule('dropout1', new Dropout(p));
    this.dropout2 = this.registerModule('dropout2', new Dropout(p));
    this.normFirst = normFirst;
    this.activation = activation === 'relu' ? relu : activation === 'gelu' ? (x) => gelu(x) : activation;
  }

  /** `masks` as PyTorch's `src_mask` and `src_key_padding_mask`. */
  forward(src: Tensor, masks: EncoderCallOptions = {}): Tensor {
    checkOptions('TransformerEncoderLayer.forward', masks, { srcMask: true, srcKeyPaddingMask: true });
    const sa = (x: Tensor): Tensor => {
      const [out] = this.selfAttn.forward(x, x, x, {
        attnMask: masks.srcMask ?? null,
        keyPaddingMask: masks.srcKeyPaddingMask ?? null,
        needWeights: false,
      });
      return this.dropout1.forward(out);
    };
    const ff = (x: Tensor): Tensor =>
      this.dropout2.forward(this.linear2.forward(this.dropout.forward(this.activation(this.linear1.forward(x)))));
    if (this.normFirst) {
      const x = src.add(sa(this.norm1.forward(src)));
      return x.add(ff(this.norm2.forward(x)));
    }
    const x = this.norm1.forward(src.add(sa(src)));
    return this.norm2.forward(x.add(ff(x)));
  }
}

/**
 * `numLayers` copies of `encoderLayer` (same initial weights, as PyTorch's deepcopy), then an
 * optional final `norm`, like `torch.nn.TransformerEncoder`.
 * @example
 * const enc = new TransformerEncoder(new TransformerEncoderLayer(16, 4, { dimFeedforward: 32 }), 2);
 * enc.forward(randn([5, 2, 16])).shape; // [5, 2, 16]
 */
export class TransformerEncoder extends Module<[src: Tensor, masks?: EncoderCallOptions], Tensor> {
  readonly layers = new ModuleList<TransformerEncoderLayer>();
  readonly norm: Module | null;

  constructor(
    encoderLayer: TransformerEncoderLayer,
    readonly numLayers: number,
    norm: Module | null = null,
  ) {
    super();
    for (let i = 0; i < numLayers; i++) {
      const copy = new TransformerEncoderLayer(encoderLayer.dModel, encoderLayer.nhead, encoderLayer.options);
      copy.loadStateDict(encoderLayer.stateDict());
      this.layers.append(copy);
    }
    this.norm = norm;
  }

  /** `masks` as PyTorch's `mask` and `src_key_padding_mask`, passed to every layer. */
  forward(src: Tensor, masks: EncoderCallOptions = {}): Tensor {
    let x = src;
    for (const layer of this.layers) x = layer.forward(x, masks);
    return this.norm ? this.norm.forward(x) : x;
  }
}
