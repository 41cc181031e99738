import vscode = require('vscode');

/** The workspace folders Perf Pulse works on: local ones (it runs processes and reads files on disk). */
export function localFolders(): readonly vscode.WorkspaceFolder[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
}

/** A `.code-workspace` (even with one folder): each folder then keeps its state apart in the window's storage. */
export function isMultiRootWorkspace(): boolean {
  return vscode.workspace.workspaceFile !== undefined;
}

/** The local folder that holds `uri`, if any. */
export function folderOf(uri: vscode.Uri | undefined): vscode.WorkspaceFolder | undefined {
  const folder = uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
  return folder?.uri.scheme === 'file' ? folder : undefined;
}

/** Runs nothing in an untrusted workspace: says so and returns false. */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(`Perf Pulse does not ${action} in an untrusted workspace. History and findings stay visible.`, 'Manage Workspace Trust').then((c) => {
    if (c) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
