/** Small DOM helpers. All markup built from data goes through `escapeHtml`. */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Creates an element with attributes and children; never sets `style` (the CSP forbids inline style attributes). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: (Node | string | undefined)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === 'style') throw new Error('inline style attributes are blocked by the panel CSP');
    element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) if (child !== undefined) element.append(child);
  return element;
}

/** Runs `callback` once after the frame that shows the current DOM has been painted. */
export function afterPaint(callback: (at: number) => void): void {
  requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => callback(performance.now());
    channel.port2.postMessage(undefined);
  });
}

/** The resolved colour of a `--pp-*` custom property on an element (canvas needs concrete colours). */
export function cssColor(element: Element, name: string, fallback = '#888'): string {
  const value = getComputedStyle(element).getPropertyValue(name).trim();
  return value || fallback;
}
