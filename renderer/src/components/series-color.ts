const PALETTE = ['#3b82f6', '#ef4444', '#10b981', '#f59e0b', '#8b5cf6', '#ec4899', '#14b8a6', '#64748b', '#84cc16', '#f97316'];

/**
 * A series' colour from its name, not its position: the same model is the same colour in the
 * tokens chart, the cost chart and the prod preview, whatever else is plotted beside it.
 */
export function seriesColor(label: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return PALETTE[((h ^ (h >>> 16)) >>> 0) % PALETTE.length]!;
}
