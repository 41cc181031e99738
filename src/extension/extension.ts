import vscode = require('vscode');
import { join } from 'node:path';
// Only modules the extension host has loaded already: a first require of node:fs/promises or
// node:crypto costs milliseconds, which would all count against activation.
import { access } from 'node:fs';
import { PerfStatusBar } from './status-bar';
import { registerTrendsPanel } from './trends';
import { LazyTrendsSource } from './lazy-trends-source';
import { LazyFindingsTree } from './lazy-view';
import { installTrustGate } from './trust-gate';
// Types only: the services bundle is loaded at run time (below), never bundled into this one.
import type { PerfPulseServices } from './services';
import type { FINDINGS_VIEW_ID as ViewId } from './view/findings-tree';

/** The stage-two module's shape, taken from the module itself, so there is nothing to keep in step. */
type ServicesModule = typeof import('./services');
export type { PerfPulseServices };

const FINDINGS_VIEW_ID: typeof ViewId = 'perfPulse.findings';

/** What the extension exports: used by the integration tests and by other extensions. */
export interface PerfPulseApi {
  readonly statusBar: PerfStatusBar;
  /** Loads the services (stage two) if they are not loaded yet. */
  services(): Promise<PerfPulseServices>;
  /** Milliseconds that activate() itself took. */
  readonly activationMs: number;
}

/**
 * Stage one: cheap. Registers the commands and the status-bar item, nothing else.
 * Stage two (the services bundle: config validation, history store, runner, detection)
 * is loaded on the first command, or right after start-up when the workspace has a
 * perfpulse.json or a history worth showing.
 */
export function activate(context: vscode.ExtensionContext): PerfPulseApi {
  const started = performance.now();
  installTrustGate();
  const log = vscode.window.createOutputChannel('Perf Pulse', { log: true });
  context.subscriptions.push(log);
  const statusBar = new PerfStatusBar();
  context.subscriptions.push(statusBar);

  let loading: Promise<PerfPulseServices> | undefined;
  // Registered now so that a panel restored after a reload finds its serializer; its data loads lazily.
  const trendsSource = new LazyTrendsSource(() => services().then((s) => s.trendsSource));
  const trends = registerTrendsPanel(context, trendsSource);
  context.subscriptions.push(trendsSource, trends);
  // The view asks for its items when it is shown; only then does it need stage two.
  const viewProvider = new LazyFindingsTree(() => services().then((s) => s.view));
  const view = vscode.window.createTreeView(FINDINGS_VIEW_ID, { treeDataProvider: viewProvider, showCollapseAll: true });
  context.subscriptions.push(viewProvider, view);
  viewProvider.onDidChangeTreeData(() => {
    void viewProvider.tree().then((tree) => {
      const count = tree.activeCount();
      view.badge = count ? { value: count, tooltip: `${count} regression${count === 1 ? '' : 's'} or breach${count === 1 ? '' : 'es'}, new or standing` } : undefined;
    });
  });
  const services = (): Promise<PerfPulseServices> =>
    (loading ??= (async () => {
      const t0 = performance.now();
      // Kept out of this bundle so that activation does not parse it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require(join(__dirname, 'services.js')) as ServicesModule;
      const instance = await module.createServices(context, log, statusBar, trends);
      context.subscriptions.push(instance);
      log.info(`services ready in ${(performance.now() - t0).toFixed(1)} ms`);
      return instance;
    })());

  const commandIds: string[] = (context.extension.packageJSON.contributes?.commands ?? []).map((c: { command: string }) => c.command);
  for (const id of commandIds) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        if (id === 'perfPulse.showLog') return log.show();
        try {
          return await (await services()).execute(id, args);
        } catch (err) {
          log.error(`${id} failed: ${(err as Error)?.stack ?? err}`);
          void vscode.window.showErrorMessage(`Perf Pulse: ${(err as Error)?.message ?? err}`, 'Show Log').then((c) => c && log.show());
        }
      }),
    );
  }

  // Start stage two soon, off the activation path, only when there is something to show.
  // The checks touch the disk, so they run after activate() has returned, and asynchronously.
  const timer = setTimeout(() => {
    void hasSomethingToShow(context)
      .then((relevant) => (relevant ? services() : undefined))
      .catch((err) => log.error(`could not start: ${err?.stack ?? err}`));
  }, 0);
  context.subscriptions.push({ dispose: () => clearTimeout(timer) });

  const activationMs = performance.now() - started;
  log.info(`activated in ${activationMs.toFixed(1)} ms`);
  return { statusBar, services, activationMs };
}

/** A perfpulse.json or a .perfpulse folder in a workspace folder, or a history in this workspace's storage. */
async function hasSomethingToShow(context: vscode.ExtensionContext): Promise<boolean> {
  const exists = (p: string) => new Promise<boolean>((resolve) => access(p, (err) => resolve(!err)));
  const candidates = (vscode.workspace.workspaceFolders ?? [])
    .filter((f) => f.uri.scheme === 'file')
    .flatMap((f) => [join(f.uri.fsPath, 'perfpulse.json'), join(f.uri.fsPath, '.perfpulse')]);
  // A single folder's history, or (multi-root) the folders' own histories.
  if (context.storageUri) candidates.push(join(context.storageUri.fsPath, 'history'), join(context.storageUri.fsPath, 'folders'));
  return (await Promise.all(candidates.map(exists))).some(Boolean);
}

export function deactivate(): void {}
