/** The detail chart as a standalone SVG document (Export SVG/PNG): the overlay, the canvas layer redrawn as paths, theme colours resolved. */
import { MARGIN, type Frame } from './chart-frame';
import { cssColor } from './dom';
import { PERCENTILE_KEYS as PERCENTILES } from './run-columns';

/** The current view as a standalone SVG document with resolved theme colours (for export). */
export function chartToSvg(overlay: SVGSVGElement, themed: Element, f: Frame, visible: [number, number], title: string): { svg: string; width: number; height: number } {
  const original = overlay;
  const clone = original.cloneNode(true) as SVGSVGElement;
  inlineComputedStyles(original, clone);
  clone.querySelector('g.brush')?.remove();
  clone.querySelector('g.hover')?.remove();
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.removeAttribute('class');
  const ns = 'http://www.w3.org/2000/svg';
  const background = document.createElementNS(ns, 'rect');
  background.setAttribute('width', String(f.width));
  background.setAttribute('height', String(f.height));
  background.setAttribute('fill', cssColor(themed, '--pp-bg', '#ffffff'));
  clone.insertBefore(background, clone.firstChild);
  const heading = document.createElementNS(ns, 'text');
  heading.setAttribute('x', String(MARGIN.left));
  heading.setAttribute('y', '14');
  heading.setAttribute('fill', cssColor(themed, '--pp-fg', '#333'));
  heading.setAttribute('font-size', '13');
  heading.setAttribute('font-weight', '600');
  heading.setAttribute('font-family', 'sans-serif');
  heading.textContent = title;
  clone.append(heading);
  const data = document.createElementNS(ns, 'g');
  data.setAttribute('clip-path', 'url(#pp-plot-clip)');
  data.innerHTML = dataMarkup(themed, f, visible);
  const anchor = clone.querySelector('g.baseline');
  clone.insertBefore(data, anchor ? anchor.nextSibling : null);
  return { svg: new XMLSerializer().serializeToString(clone), width: f.width, height: f.height };
}

/** The canvas layer redrawn as SVG paths for export. */
function dataMarkup(themed: Element, f: Frame, visible: [number, number]): string {
  const d = f.detail;
  const [i0, i1] = visible;
  const runs = d.runs.slice(i0, i1);
  const xs = Array.from(f.xs.subarray(i0, i1));
  const { x, y } = f;
  const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '0');
  if (f.options.tab === 'percentiles') {
    return PERCENTILES.map((key) => {
      const pts = runs.map((r, i) => (r.percentiles ? `${fmt(x(xs[i]))},${fmt(y(r.percentiles[key]))}` : '')).filter(Boolean);
      return `<path d="M${pts.join('L')}" fill="none" stroke="${cssColor(themed, `--pp-${key}`)}" stroke-width="${key === 'p50' ? 2 : 1.4}"/>`;
    }).join('');
  }
  const color = cssColor(themed, '--pp-line');
  const band = runs.map((r, i) => `${fmt(x(xs[i]))},${fmt(y(r.hi ?? r.value))}`).concat(runs.map((r, i) => `${fmt(x(xs[i]))},${fmt(y(r.lo ?? r.value))}`).reverse());
  const medians = runs.map((r, i) => `${fmt(x(xs[i]))},${fmt(y(r.value))}`);
  const dots = runs.length < 3000 ? `<path d="${medians.map((p) => `M${p}h0`).join('')}" stroke="${color}" stroke-width="${runs.length < 200 ? 6 : 3}" stroke-linecap="round" fill="none"/>` : '';
  return (
    `<path d="M${band.join('L')}Z" fill="${cssColor(themed, '--pp-spread')}" fill-opacity="0.18" stroke="none"/>` +
    `<path d="M${medians.join('L')}" fill="none" stroke="${color}" stroke-opacity="0.6" stroke-width="1.2"/>` +
    dots
  );
}

const STYLE_PROPERTIES = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'opacity', 'font-size', 'font-family', 'font-weight'];

/** Copies computed theme styles onto a clone so the exported SVG looks the same outside the panel. */
function inlineComputedStyles(source: Element, target: Element): void {
  const computed = getComputedStyle(source);
  for (const property of STYLE_PROPERTIES) {
    const value = computed.getPropertyValue(property);
    if (value) target.setAttribute(property, value);
  }
  if (computed.display === 'none') target.setAttribute('display', 'none');
  const sourceChildren = source.children;
  const targetChildren = target.children;
  for (let i = 0; i < sourceChildren.length && i < targetChildren.length; i++) inlineComputedStyles(sourceChildren[i], targetChildren[i]);
}
