/** `optim`: optimizers, learning-rate schedulers and gradient clipping. */
export {};
