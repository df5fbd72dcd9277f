/** Small statistics shared by the benches. */

/** The nearest-rank quantile (q in 0..1) of `values`; the input is not changed. */
export const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
};
