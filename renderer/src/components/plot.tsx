import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartProps } from './chart';

const COLORS = ['#3b82f6', '#ef4444', '#10b981', '#f59e0b', '#8b5cf6', '#ec4899', '#14b8a6', '#64748b'];

function format(unit: ChartProps['unit'], v: number | null): string {
  if (v === null) return '–';
  if (unit === 'usd') return `$${v.toFixed(v < 1 ? 4 : 2)}`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return String(Math.round(v * 100) / 100);
}

/** The uPlot chart behind `Chart`: bars for one series, lines for several. Resizes with its box. */
export default function Plot({ data, unit }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const axisColor = getComputedStyle(el).color;
    const bars = data.series.length === 1 ? uPlot.paths.bars?.({ size: [0.6, 40] }) : undefined;
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 300),
      height: 220,
      series: [
        {},
        ...data.series.map((s, i) => ({
          label: s.label,
          stroke: COLORS[i % COLORS.length],
          fill: bars ? `${COLORS[i % COLORS.length]}99` : undefined,
          width: 2,
          paths: bars,
          points: { show: !bars },
          value: (_u: uPlot, v: number | null) => format(unit, v),
        })),
      ],
      axes: [
        { stroke: axisColor, grid: { stroke: '#8883' } },
        { stroke: axisColor, grid: { stroke: '#8883' }, values: (_u, vals) => vals.map((v) => format(unit, v)), size: 60 },
      ],
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
    };
    const plot = new uPlot(opts, [data.x, ...data.series.map((s) => s.values)], el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 300), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data, unit]);
  return <div ref={box} className="plot" />;
}
