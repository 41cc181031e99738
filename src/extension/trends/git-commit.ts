import vscode = require('vscode');
import { isObjectName } from '../../core/git/names';
import { programRefusal } from '../../core/program-gate';

/** The few parts of the built-in git extension's API (version 1) this module uses. */
interface GitChange {
  uri: vscode.Uri;
}
interface GitCommit {
  hash: string;
  message: string;
  parents: string[];
}
interface GitRepository {
  rootUri: vscode.Uri;
  getCommit(ref: string): Promise<GitCommit>;
  diffBetween(ref1: string, ref2: string): Promise<GitChange[]>;
}
interface GitApi {
  repositories: GitRepository[];
  toGitUri(uri: vscode.Uri, ref: string): vscode.Uri;
}

/**
 * Shows a commit's changes in VS Code's multi-file diff when the git extension knows
 * the commit; otherwise copies the hash so the user can look it up elsewhere.
 */
export async function openCommitInGit(commit: string): Promise<void> {
  // The hash comes from a history record via the webview: only an object name goes to git.
  if (!isObjectName(commit)) {
    void vscode.window.showWarningMessage(`Perf Pulse: ${JSON.stringify(String(commit).slice(0, 80))} is not a commit hash; nothing was looked up.`);
    return;
  }
  // The git extension runs git for us; in an untrusted workspace nothing runs, whoever would start it.
  const refusal = programRefusal();
  if (refusal) {
    await vscode.env.clipboard.writeText(commit);
    void vscode.window.showInformationMessage(`Perf Pulse: commit ${commit.slice(0, 12)} was not looked up because ${refusal}; its hash is copied.`);
    return;
  }
  const api = await gitApi();
  for (const repo of api?.repositories ?? []) {
    let found: GitCommit;
    try {
      found = await repo.getCommit(commit);
    } catch {
      continue;
    }
    const parent = found.parents[0];
    if (!parent || !api) break;
    const changes = await repo.diffBetween(parent, found.hash);
    const title = `${found.hash.slice(0, 7)} ${found.message.split('\n')[0]}`;
    const resources = changes.map((c) => [c.uri, api.toGitUri(c.uri, parent), api.toGitUri(c.uri, found.hash)]);
    await vscode.commands.executeCommand('vscode.changes', title, resources);
    return;
  }
  await vscode.env.clipboard.writeText(commit);
  void vscode.window.showInformationMessage(`Perf Pulse: commit ${commit.slice(0, 12)} is not in an open repository; its hash is copied.`);
}

async function gitApi(): Promise<GitApi | undefined> {
  const extension = vscode.extensions.getExtension<{ getAPI(version: 1): GitApi }>('vscode.git');
  if (!extension) return undefined;
  try {
    const exports = extension.isActive ? extension.exports : await extension.activate();
    return exports.getAPI(1);
  } catch {
    return undefined;
  }
}
