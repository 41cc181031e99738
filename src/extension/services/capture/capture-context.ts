import vscode = require('vscode');
import { machineFingerprint } from '../../../core/env/machine';
import { vcsInfo } from '../../../core/env/vcs';
import type { RecordContext } from '../../../core/records';
import type { RecordSource } from '../../../core/model';
import { readSettings } from '../../settings';

/** The facts every captured record carries: machine, the folder's commit, time. */
export async function captureContext(source: RecordSource, folder: vscode.WorkspaceFolder, extra?: RecordContext['extra'], group?: string): Promise<RecordContext> {
  const [machine, vcs] = await Promise.all([machineFingerprint(), vcsInfo(folder.uri.fsPath)]);
  return { source, machine, vcs, timestamp: Date.now(), extra, group };
}

/** Reads a capture switch (for a folder, where the switch is per folder); every source is on by default. */
export function captureEnabled(key: 'tasks' | 'terminal' | 'reports', folder?: vscode.WorkspaceFolder): boolean {
  return vscode.workspace.isTrusted && readSettings(folder?.uri)[`capture.${key}`];
}
