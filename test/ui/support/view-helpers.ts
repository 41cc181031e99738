// Helpers for UI tests of the Perf Pulse view: open it, read its rows, find a row.
import type { Page } from 'playwright-core';

/** Opens the Perf Pulse view from its activity-bar icon. */
export async function openPerfPulseView(page: Page): Promise<void> {
  const icon = page.locator('.part.activitybar [aria-label^="Perf Pulse"]').first();
  await icon.waitFor({ state: 'visible', timeout: 90_000 });
  const title = page.locator('.part.sidebar .composite.title', { hasText: /Perf Pulse/i });
  if (!(await title.isVisible().catch(() => false))) await icon.click();
  await title.waitFor({ state: 'visible', timeout: 30_000 });
  await page.locator('.part.sidebar .pane-body').first().waitFor({ state: 'visible', timeout: 30_000 });
}

/** Drags the side bar's edge so that it is `width` pixels wide: the view's numbers fit in screenshots. */
export async function widenSidebar(page: Page, width: number): Promise<void> {
  const box = await page.locator('.part.sidebar').boundingBox();
  if (!box || box.width >= width) return;
  const edge = box.x + box.width;
  await page.mouse.move(edge, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(edge + 40, box.y + box.height / 2, { steps: 4 });
  await page.mouse.move(box.x + width, box.y + box.height / 2, { steps: 8 });
  await page.mouse.up();
}

/** The rows of the view's tree, as their text. */
export async function viewRows(page: Page): Promise<string[]> {
  return page.locator('.part.sidebar .pane-body .monaco-list-row').evaluateAll((els) =>
    els.map((e) => {
      const name = e.querySelector('.label-name')?.textContent ?? e.textContent ?? '';
      const description = e.querySelector('.label-description')?.textContent ?? '';
      return `${name} ${description}`.replace(/\s+/g, ' ').trim();
    }),
  );
}

export async function waitForRows(page: Page, what: string, ok: (rows: string[]) => boolean, timeout = 90_000): Promise<string[]> {
  const deadline = Date.now() + timeout;
  let rows: string[] = [];
  while (Date.now() < deadline) {
    rows = await viewRows(page);
    if (ok(rows)) return rows;
    await page.waitForTimeout(500);
  }
  throw new Error(`the view never showed ${what}; it shows: ${rows.join(' | ')}`);
}

/** A row of the view by its label. */
export function viewRow(page: Page, label: string) {
  return page.locator('.part.sidebar .pane-body .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
}

