/** Training loop helpers: fit, evaluate, metrics, callbacks. */
export {};
