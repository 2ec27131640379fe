/** `nn.functional`: every layer, activation and loss as a function. */
export {};
