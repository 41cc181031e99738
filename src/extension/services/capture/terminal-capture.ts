import vscode = require('vscode');
import { durationRecord } from '../../../core/records';
import { Disposable } from '../../disposable';
import type { WorkspaceFolderServices } from '../folders';
import { readSettings } from '../../settings';
import { captureContext, captureEnabled } from './capture-context';

/** Compiles the configured patterns, skipping (and reporting) any that are not valid regular expressions. */
export function compilePatterns(patterns: readonly string[], onInvalid: (pattern: string, error: string) => void): RegExp[] {
  const out: RegExp[] = [];
  for (const p of patterns) {
    try {
      out.push(new RegExp(p));
    } catch (err) {
      onInvalid(p, (err as Error).message);
    }
  }
  return out;
}

/** The command line as a series name: whitespace folded, so `npm  test` and `npm test` are one series. */
export function normaliseCommandLine(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

/**
 * Records build and test commands run in the integrated terminal, through shell
 * integration's start and end events (stable since VS Code 1.93).
 */
export class TerminalCapture extends Disposable {
  private readonly started = new Map<vscode.TerminalShellExecution, { at: number; line: string }>();
  private patterns: RegExp[] = [];

  constructor(private readonly folders: WorkspaceFolderServices, private readonly log: vscode.LogOutputChannel) {
    super();
    this.loadPatterns();
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('perfPulse.capture.terminalPatterns')) this.loadPatterns();
    }));
    this._register(vscode.window.onDidStartTerminalShellExecution((e) => this.onStart(e)));
    this._register(vscode.window.onDidEndTerminalShellExecution((e) => void this.onEnd(e)));
  }

  private loadPatterns(): void {
    const configured = readSettings()['capture.terminalPatterns'];
    this.patterns = compilePatterns(configured, (p, message) => this.log.warn(`perfPulse.capture.terminalPatterns: "${p}" is not a valid regular expression (${message}); ignored`));
  }

  private onStart(e: vscode.TerminalShellExecutionStartEvent): void {
    if (!captureEnabled('terminal')) return;
    const commandLine = e.execution.commandLine;
    const lowConfidence = commandLine.confidence === vscode.TerminalShellExecutionCommandLineConfidence.Low;
    if (lowConfidence && !readSettings()['capture.terminalLowConfidence']) return;
    const line = normaliseCommandLine(commandLine.value);
    if (!line || !this.patterns.some((p) => p.test(line))) return;
    this.started.set(e.execution, { at: performance.now(), line });
  }

  private async onEnd(e: vscode.TerminalShellExecutionEndEvent): Promise<void> {
    const start = this.started.get(e.execution);
    if (!start) return;
    this.started.delete(e.execution);
    const seconds = (performance.now() - start.at) / 1000;
    const exitCode = e.exitCode ?? -1;
    // The folder the command ran in keeps it; a command outside every folder goes to the first one.
    const services = this.folders.forUri(e.execution.cwd) ?? this.folders.first();
    if (!services) return;
    try {
      const ctx = await captureContext('terminal', services.folder, { exitCode, failed: exitCode !== 0 }, 'terminal');
      ctx.config = { commandLine: start.line, cwd: e.execution.cwd?.fsPath ?? '' };
      await services.history.append([durationRecord(start.line, seconds, ctx)]);
      this.log.info(`terminal "${start.line}" took ${seconds.toFixed(3)} s (exit ${exitCode})`);
    } catch (err) {
      this.log.warn(`could not record terminal command "${start.line}": ${err}`);
    }
  }
}
