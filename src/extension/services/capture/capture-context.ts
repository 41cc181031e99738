import vscode = require('vscode');
import { machineFingerprint } from '../../../core/env/machine';
import { vcsInfo } from '../../../core/env/vcs';
import type { RecordContext } from '../../../core/records';
import type { RecordSource } from '../../../core/model';
import { primaryFolder } from '../workspace';

/** The facts every captured record carries: machine, commit, time. */
export async function captureContext(source: RecordSource, extra?: RecordContext['extra'], group?: string): Promise<RecordContext> {
  const folder = primaryFolder();
  const [machine, vcs] = await Promise.all([machineFingerprint(), folder ? vcsInfo(folder.uri.fsPath) : Promise.resolve({})]);
  return { source, machine, vcs, timestamp: Date.now(), extra, group };
}

/** Reads a capture switch; every source is on by default. */
export function captureEnabled(key: 'tasks' | 'terminal' | 'reports'): boolean {
  return vscode.workspace.isTrusted && vscode.workspace.getConfiguration('perfPulse.capture').get<boolean>(key, true);
}
