/** Global switches of the autograd engine: grad recording and anomaly detection. */

let gradEnabled = true;
let anomalyEnabled = false;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Turns gradient recording on or off until changed again; prefer `noGrad(fn)`. */
export function setGradEnabled(enabled: boolean): void {
  gradEnabled = enabled;
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/**
 * Runs `fn` without recording the graph, like `with torch.no_grad():`.
 * @example
 * const y = noGrad(() => model.forward(x)); // y.requiresGrad === false
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with recording on, even inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export function isAnomalyEnabled(): boolean {
  return anomalyEnabled;
}

/**
 * Anomaly mode: every op checks its output (forward) and every gradient (backward) for NaN/Inf
 * and throws an error naming the op that first produced one. Slow; for debugging.
 * @example
 * detectAnomaly(() => { const loss = model.forward(x).log().mean(); loss.backward(); });
 */
export function detectAnomaly<T>(fn: () => T): T {
  const previous = anomalyEnabled;
  anomalyEnabled = true;
  try {
    return fn();
  } finally {
    anomalyEnabled = previous;
  }
}

export function setDetectAnomaly(enabled: boolean): void {
  anomalyEnabled = enabled;
}
