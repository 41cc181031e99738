import * as vscode from 'vscode';

export function activate(_context: vscode.ExtensionContext): void {
  // filled in by the first slice
}

export function deactivate(): void {}
