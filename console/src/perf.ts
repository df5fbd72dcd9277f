/**
 * Render timing of the customer view, from the moment its document has arrived (parsed) to the first frame
 * after Preact committed the view: `window.__consoleMetrics.customer` (the browser test reads it; a person
 * can read it in the devtools' Performance panel as the measure "console:customer-render").
 */
export interface RenderMetric {
  id: string;
  /** Document arrived → next frame with the view in the DOM, style and layout done. */
  ms: number;
  /** Of which: document arrived → Preact committed the view to the DOM. */
  commitMs: number;
  /** Of which: document arrived → style and layout computed (before waiting for the frame). */
  layoutMs: number;
  at: number;
}

declare global {
  interface Window {
    __consoleMetrics?: { customer?: RenderMetric; customerRenders: RenderMetric[] };
  }
}

const DATA = 'console:customer-data';
const RENDERED = 'console:customer-rendered';
const MEASURE = 'console:customer-render';

const round = (ms: number) => Math.round(ms * 10) / 10;

export function markCustomerData(): void {
  performance.clearMarks(DATA);
  performance.clearMarks(RENDERED);
  performance.mark(DATA);
}

/**
 * Call from a layout effect, once the view is in the DOM: forces style and layout, then at the next
 * animation frame (what the agent sees next) marks the view rendered and measures from the data.
 */
export function markCustomerRendered(id: string): void {
  const data = performance.getEntriesByName(DATA, 'mark')[0];
  if (!data) return;
  const committed = performance.now();
  void document.body.offsetHeight; // forces style and layout now: the measure includes them
  const laidOut = performance.now();
  requestAnimationFrame(() => {
    performance.mark(RENDERED);
    performance.clearMeasures(MEASURE);
    const measure = performance.measure(MEASURE, DATA, RENDERED);
    performance.clearMarks(DATA);
    const metric: RenderMetric = {
      id,
      ms: round(measure.duration),
      commitMs: round(committed - data.startTime),
      layoutMs: round(laidOut - data.startTime),
      at: Date.now(),
    };
    const metrics = (window.__consoleMetrics ??= { customerRenders: [] });
    metrics.customer = metric;
    metrics.customerRenders.push(metric);
  });
}
