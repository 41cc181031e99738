import vscode = require('vscode');
import { join } from 'node:path';
// Only modules the extension host has loaded already: a first require of node:fs/promises or
// node:crypto costs milliseconds, which would all count against activation.
import { access } from 'node:fs';
import { PerfStatusBar } from './status-bar';
import { registerTrendsPanel, type TrendsPanelController } from './trends';
import type { TrendsDataSource } from './trends/data-source';
import { LazyTrendsSource } from './lazy-trends-source';
import { installTrustGate } from './trust-gate';

/** The stage-two container, loaded from its own bundle (see services/index.ts). */
export interface PerfPulseServices extends vscode.Disposable {
  execute(commandId: string, args: unknown[]): Promise<unknown>;
  readonly trendsSource: TrendsDataSource;
}
export interface ServicesModule {
  createServices(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, statusBar: PerfStatusBar, trends: TrendsPanelController): Promise<PerfPulseServices>;
}

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
  if (context.storageUri) candidates.push(join(context.storageUri.fsPath, 'history'));
  return (await Promise.all(candidates.map(exists))).some(Boolean);
}

export function deactivate(): void {}
