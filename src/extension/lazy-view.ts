import vscode = require('vscode');
import type { FindingsTree, ViewNode } from './view/findings-tree';

/**
 * The Perf Pulse view is registered at activation (VS Code asks for it as soon as it is
 * visible), but its items come from stage two: this provider loads it on the first request,
 * so a workspace that never shows the view never pays for it.
 */
export class LazyFindingsTree implements vscode.TreeDataProvider<ViewNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ViewNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private inner?: Promise<FindingsTree>;
  private forward?: vscode.Disposable;

  constructor(private readonly load: () => Promise<FindingsTree>) {}

  /** The loaded tree, loading it if needed. */
  tree(): Promise<FindingsTree> {
    return (this.inner ??= this.load().then((tree) => {
      this.forward = tree.onDidChangeTreeData((node) => this.emitter.fire(node));
      return tree;
    }));
  }

  async getChildren(node?: ViewNode): Promise<ViewNode[]> {
    return (await this.tree()).getChildren(node);
  }

  async getTreeItem(node: ViewNode): Promise<vscode.TreeItem> {
    return (await this.tree()).getTreeItem(node);
  }

  dispose(): void {
    this.forward?.dispose();
    this.emitter.dispose();
  }
}
