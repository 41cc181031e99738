import vscode = require('vscode');
import { durationRecord } from '../../../core/records';
import { Disposable } from '../../disposable';
import type { WorkspaceFolderServices } from '../folders';
import { captureContext, captureEnabled } from './capture-context';

/**
 * Times every task run. The task API reports start and end but no timestamps,
 * so the clock starts at the process-start event and stops at the process-end event.
 */
export class TaskCapture extends Disposable {
  private readonly started = new Map<vscode.TaskExecution, number>();

  constructor(private readonly folders: WorkspaceFolderServices, private readonly log: vscode.LogOutputChannel) {
    super();
    this._register(vscode.tasks.onDidStartTaskProcess((e) => {
      if (captureEnabled('tasks')) this.started.set(e.execution, performance.now());
    }));
    this._register(vscode.tasks.onDidEndTaskProcess((e) => void this.ended(e)));
  }

  private async ended(e: vscode.TaskProcessEndEvent): Promise<void> {
    const start = this.started.get(e.execution);
    this.started.delete(e.execution);
    if (start === undefined) return;
    const seconds = (performance.now() - start) / 1000;
    const task = e.execution.task;
    const group = task.group?.id;
    const exitCode = e.exitCode ?? -1;
    // A folder's task goes to that folder's history; a workspace-wide one to the first folder's.
    const scope = task.scope;
    const services = (typeof scope === 'object' && scope ? this.folders.get(scope.uri.toString()) : undefined) ?? this.folders.first();
    if (!services) return;
    try {
      const ctx = await captureContext('task', services.folder, { exitCode, failed: exitCode !== 0, taskSource: task.source }, group);
      ctx.config = { label: task.name, source: task.source, type: task.definition.type };
      const record = durationRecord(task.name, seconds, ctx);
      await services.history.append([record]);
      this.log.info(`task "${task.name}" took ${seconds.toFixed(3)} s (exit ${exitCode})`);
    } catch (err) {
      this.log.warn(`could not record task "${task.name}": ${err}`);
    }
  }
}
