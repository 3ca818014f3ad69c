// A per-minute time series drawn with uPlot, for the APIs that answer one bucket per
// minute *with traffic*: every other minute of the window is null here, so an idle
// stretch is a gap in the line, not a fall to zero, and each bucket is also drawn
// as a point, so a lone minute shows.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from './ui.js';

/**
 * One x per minute of [fromMs, toMs] (seconds, as uPlot wants) and, per series, the
 * bucket's value where the API has one and null elsewhere. `series` are [label, colour, bucket → number].
 */
export function minuteSeries(buckets, fromMs, toMs, series) {
  const first = Math.floor(fromMs / 60_000) * 60;
  const last = Math.floor(toMs / 60_000) * 60;
  const xs = [];
  for (let t = first; t <= last; t += 60) xs.push(t);
  const at = new Map(buckets.map((b) => [Math.floor(Date.parse(b.timestamp) / 1000), b]));
  return [xs, ...series.map(([, , value]) => xs.map((t) => (at.has(t) ? value(at.get(t)) : null)))];
}

export function MinuteChart({ series, data }) {
  const el = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    plot.current = new uPlot(
      {
        width: Math.max(320, el.current.clientWidth),
        height: 260,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
        series: [{}, ...series.map(([label, stroke]) => ({ label, stroke, width: 2, spanGaps: false, points: { show: true, size: 7, fill: stroke } }))],
        axes: [{}, { label: 'per minute' }],
      },
      data,
      el.current,
    );
    // The browser tests read the drawn canvas through this.
    el.current.uplot = plot.current;
    return () => plot.current.destroy();
  }, []);
  useEffect(() => plot.current?.setData(data), [data]);
  return html`<div class="chart" data-testid="metrics-chart" ref=${el}></div>`;
}
