/** Canvas plumbing: device-pixel-ratio scaling, size observation, PNG export. */

/** Sizes the canvas for crisp drawing at the device's pixel ratio; returns a context in CSS pixels. */
export function fitCanvas(c: HTMLCanvasElement, cssWidth: number, cssHeight: number): CanvasRenderingContext2D {
  const dpr = Math.max(1, window.devicePixelRatio || 1);
  const w = Math.max(1, Math.round(cssWidth * dpr));
  const h = Math.max(1, Math.round(cssHeight * dpr));
  if (c.width !== w) c.width = w;
  if (c.height !== h) c.height = h;
  c.style.width = `${cssWidth}px`;
  c.style.height = `${cssHeight}px`;
  const ctx = c.getContext('2d');
  if (!ctx) throw new Error('canvas: no 2d context');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** Calls `f` with the element's content width whenever it changes (coalesced per frame). */
export function observeWidth(e: HTMLElement, f: (width: number) => void): () => void {
  let last = -1;
  let frame = 0;
  const ro = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      const w = Math.floor(e.clientWidth);
      if (w !== last && w > 0) {
        last = w;
        f(w);
      }
    });
  });
  ro.observe(e);
  return () => ro.disconnect();
}

export function pngDataUrl(c: HTMLCanvasElement): string {
  return c.toDataURL('image/png');
}

/** Parses any CSS colour into [r, g, b] by letting the canvas normalise it. */
const probe = (() => {
  let ctx: CanvasRenderingContext2D | null = null;
  return (css: string): [number, number, number] => {
    ctx ??= document.createElement('canvas').getContext('2d');
    if (!ctx) return [128, 128, 128];
    ctx.fillStyle = '#808080';
    ctx.fillStyle = css;
    const s = String(ctx.fillStyle);
    if (s.startsWith('#')) return [parseInt(s.slice(1, 3), 16), parseInt(s.slice(3, 5), 16), parseInt(s.slice(5, 7), 16)];
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)/.exec(s);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [128, 128, 128];
  };
})();

export function rgb(css: string): [number, number, number] {
  return probe(css);
}

/** Truncates text to fit a width, with an ellipsis. */
export function fitText(ctx: CanvasRenderingContext2D, s: string, width: number): string {
  if (ctx.measureText(s).width <= width) return s;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${s.slice(0, mid)}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${s.slice(0, lo)}…`;
}
