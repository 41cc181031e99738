// Helpers for UI tests that drive a real VS Code page from outside, through headless Chromium:
// open VS Code on a workspace with the extension installed, run commands from the palette,
// reach into webviews, take screenshots.
import * as fs from 'fs';
import * as path from 'path';
import type { ElementHandle, Frame, Page } from 'playwright-core';
import { BrowserSession, CodeServer, ThemeName, copyFixture, launchBrowser, makeTempDir, repoRoot, startCodeServer } from '../../scripts/vscode-test/host';

export { repoRoot, copyFixture };

export interface OpenVSCodeOptions {
  /** 'Default Light Modern', 'Default Dark Modern', ... written to the user settings before start. */
  theme?: ThemeName;
  /** More user settings. */
  settings?: Record<string, unknown>;
  viewport?: { width: number; height: number };
  /** Keep workspace trust on: the folder opens untrusted (restricted mode). */
  untrusted?: boolean;
}

export interface VSCodeSession {
  page: Page;
  server: CodeServer;
  browser: BrowserSession;
  close(): Promise<void>;
}

/**
 * Starts VS Code on `workspace` (a folder path, or a fixture name under test/fixtures/, which is
 * copied first) with this repository's built extension installed, and waits for the workbench.
 */
export async function openVSCode(workspace: string, options: OpenVSCodeOptions = {}): Promise<VSCodeSession> {
  const folder = path.isAbsolute(workspace) ? workspace : copyFixture(workspace);
  if (!fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build` first');
  const server = await startCodeServer({
    workspace: folder,
    userDataDir: makeTempDir('ui-user'),
    theme: options.theme,
    settings: options.untrusted
      ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'always', ...options.settings }
      : options.settings,
    installExtensionFrom: repoRoot,
    workspaceTrust: options.untrusted,
  });
  let browser: BrowserSession | undefined;
  try {
    browser = await launchBrowser(options.viewport);
    const { page } = browser;
    await page.goto(server.workbenchUrl(), { waitUntil: 'domcontentloaded', timeout: 120_000 });
    await waitForWorkbench(page);
    const session: VSCodeSession = {
      page,
      server,
      browser,
      async close() {
        await browser?.close();
        await server.stop();
      },
    };
    return session;
  } catch (err) {
    await browser?.close();
    await server.stop();
    throw err;
  }
}

/** Waits until the workbench is drawn and the extensions have been scanned. */
export async function waitForWorkbench(page: Page, timeout = 120_000): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout });
  await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout });
  // The explorer shows once the remote file system answers; extension contributions arrive with it.
  await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor({ state: 'visible', timeout });
}

const palette = (page: Page) => page.locator('.quick-input-widget');

export interface PaletteSearchOptions {
  /** Retry (close, reopen, retype) until the labels satisfy this, e.g. until an extension's commands arrive. */
  until?: (labels: string[]) => boolean;
  timeout?: number;
}

/**
 * Opens the command palette, types `text` after the `>` prompt and returns the labels of the
 * items shown (leaving the palette open). Contributions of extensions appear only once the
 * extension host has scanned them, hence `until`.
 */
export async function searchCommandPalette(page: Page, text: string, options: PaletteSearchOptions = {}): Promise<string[]> {
  const deadline = Date.now() + (options.timeout ?? 60_000);
  for (;;) {
    const labels = await searchOnce(page, text);
    if (!options.until || options.until(labels) || Date.now() > deadline) return labels;
    await closeQuickInput(page);
    await page.waitForTimeout(1_000);
  }
}

async function searchOnce(page: Page, text: string): Promise<string[]> {
  if (!(await palette(page).isVisible())) await page.keyboard.press('F1');
  const input = palette(page).locator('input');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  await input.fill(`>${text}`);
  const rows = palette(page).locator('.monaco-list-row');
  await rows.first().waitFor({ state: 'visible', timeout: 30_000 });
  // The list filters as you type; wait for it to show the same items twice in a row.
  let previous = '';
  for (let i = 0; i < 20; i++) {
    const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent ?? ''));
    const key = labels.join('\n');
    if (key === previous) return labels;
    previous = key;
    await page.waitForTimeout(150);
  }
  return previous.split('\n');
}

/** Runs a command by its palette title, e.g. 'Perf Pulse: Show Trends'. */
export async function runCommandFromPalette(page: Page, title: string): Promise<void> {
  const labels = await searchCommandPalette(page, title, { until: (l) => l.some((x) => x.startsWith(title)) });
  const index = labels.findIndex((l) => l === title || l.startsWith(`${title},`) || l.startsWith(title));
  if (index < 0) throw new Error(`command "${title}" is not in the palette; it offers: ${labels.join(' | ')}`);
  await palette(page).locator('.monaco-list-row').nth(index).click();
  await palette(page).waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

export async function closeQuickInput(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await palette(page).waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

async function activeFrameOf(host: ElementHandle): Promise<Frame | null> {
  const outer = await host.contentFrame();
  const innerHandle = outer ? await outer.$('iframe#active-frame') : null;
  return innerHandle ? innerHandle.contentFrame() : null;
}

/**
 * The frame holding a webview's own document. VS Code nests it twice: an `iframe.webview`
 * host document, and inside it the `#active-frame` iframe with the extension's HTML.
 * With several webviews open, `title` picks the one whose tab title matches.
 */
export async function webviewFrame(page: Page, options: { title?: string; timeout?: number } = {}): Promise<Frame> {
  const deadline = Date.now() + (options.timeout ?? 30_000);
  for (;;) {
    const hosts = await page.locator('iframe.webview').elementHandles();
    for (const host of hosts) {
      if (options.title) {
        const title = await host.getAttribute('title').catch(() => null);
        if (title !== options.title) continue;
      }
      // The host document navigates while the webview starts: a probe that races it looks again.
      const inner = await activeFrameOf(host).catch(() => null);
      if (inner && (await inner.evaluate('document.readyState').catch(() => '')) === 'complete') return inner;
    }
    if (Date.now() > deadline) throw new Error(`no webview${options.title ? ` titled "${options.title}"` : ''} became ready`);
    await page.waitForTimeout(200);
  }
}

/** Full-window screenshot; creates the folder. Returns the path. */
export async function screenshot(page: Page, file: string): Promise<string> {
  const target = path.resolve(repoRoot, file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  await page.screenshot({ path: target });
  return target;
}

/**
 * Where UI tests put screenshots: PERF_PULSE_SCREENSHOTS_DIR when set (e.g. docs/screenshots to
 * refresh the documentation's pictures), else out/test/screenshots, which git ignores.
 */
export function screenshotPath(name: string): string {
  const dir = process.env.PERF_PULSE_SCREENSHOTS_DIR ?? path.join('out', 'test', 'screenshots');
  return path.resolve(repoRoot, dir, name);
}
