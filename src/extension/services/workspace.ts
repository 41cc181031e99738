import vscode = require('vscode');

/** The folder Perf Pulse works on: the first local workspace folder (multi-root: the one with a perfpulse.json). */
export function primaryFolder(): vscode.WorkspaceFolder | undefined {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  return folders[0];
}

/** Runs nothing in an untrusted workspace: says so and returns false. */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(`Perf Pulse does not ${action} in an untrusted workspace. History and findings stay visible.`, 'Manage Workspace Trust').then((c) => {
    if (c) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
