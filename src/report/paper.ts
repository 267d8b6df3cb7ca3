// What the paper published, for comparison in report.md: final loss read off its Figure 4
// (about ±0.01; one task; the paper does not say whether it is held-out or training loss).
export const PAPER_FIGURE4: Record<string, Record<number, number>> = {
  'shared-bottom': { 0.5: 0.25, 0.9: 0.225, 1: 0.2 },
  omoe: { 0.5: 0.145, 0.9: 0.12, 1: 0.077 },
  mmoe: { 0.5: 0.082, 0.9: 0.08, 1: 0.07 },
};

// The paper's Figure 2: Pearson correlation of the two labels at each cosine p (mean of 100
// trials, read off the figure, about ±0.01).
export const PAPER_FIGURE2: Record<number, number> = { 0.4: 0.06, 0.5: 0.08, 0.6: 0.1, 0.7: 0.14, 0.8: 0.19, 0.9: 0.31, 0.95: 0.45, 0.98: 0.66, 1: 1 };
