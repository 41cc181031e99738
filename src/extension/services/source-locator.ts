import vscode = require('vscode');
import type { LoadedConfig } from '../../core/config';
import type { SeriesAnalysis } from '../../core/findings';
import { findDefinitions, findTestLine, matchDefinition, parseSourceSetting, suiteFileGlobs, type Definition } from '../../core/locate/definitions';

/** Files where harness definitions may live; bounded so a huge repository stays cheap. */
const DEFINITION_GLOB = '**/*{_test.go,.cc,.cpp,.cxx,.py,.rs,.bench.ts,.bench.js,.bench.mts,.bench.mjs,.java,.kt,.cs}';
const EXCLUDE_GLOB = '**/{node_modules,.git,target,dist,build,out,vendor,.venv,venv}/**';
const MAX_FILES = 3000;

/**
 * Finds the line that defines a series: the `source` in perfpulse.json, the location the
 * report carried, the harness's naming rules over the workspace's source files, a task's
 * entry in tasks.json or package.json, or the benchmark's entry in perfpulse.json.
 */
export class SourceLocator {
  constructor(private readonly folder: vscode.WorkspaceFolder) {}

  private definitions?: Promise<Array<{ uri: vscode.Uri; defs: Definition[] }>>;

  /** Forget cached scans (a file was saved, created or deleted). */
  invalidate(): void {
    this.definitions = undefined;
  }

  async locate(series: Pick<SeriesAnalysis, 'name' | 'source' | 'location' | 'group'> & { benchmark?: string }, config: LoadedConfig | undefined): Promise<vscode.Location | undefined> {
    const folder = this.folder;
    const benchName = series.benchmark ?? series.name;
    const bench = config?.config.benchmarks.find((b) => b.name === benchName);
    if (bench?.source) {
      const { file, line } = parseSourceSetting(bench.source);
      return this.at(vscode.Uri.joinPath(folder.uri, file), line);
    }
    if (series.location?.file) {
      const uri = isAbsolute(series.location.file) ? vscode.Uri.file(series.location.file) : vscode.Uri.joinPath(folder.uri, series.location.file);
      if (await exists(uri)) return this.at(uri, series.location.line);
    }
    if (series.source === 'task') {
      const hit = (await this.findInJson(vscode.Uri.joinPath(folder.uri, '.vscode', 'tasks.json'), `"label"\\s*:\\s*${jsonString(series.name)}`))
        ?? (await this.findInJson(vscode.Uri.joinPath(folder.uri, 'package.json'), `${jsonString(series.name.replace(/^npm: /, ''))}\\s*:`));
      if (hit) return hit;
    }
    if (series.source === 'report' && series.group) {
      const hit = await this.findTest(series.group, series.name.split(' › ').pop() ?? series.name);
      if (hit) return hit;
    }
    if (series.source === 'benchmark' || series.source === 'report' || series.source === 'import') {
      for (const { uri, defs } of await this.scan()) {
        const def = matchDefinition(series.name, defs);
        if (def) return this.at(uri, def.line);
      }
    }
    if (bench && config) return this.at(vscode.Uri.file(config.file), config.benchmarkLines[bench.name]);
    return undefined;
  }

  /** A JUnit-style test without a file attribute: its class or module name mapped to a file, then the test's line in it. */
  private async findTest(suite: string, test: string): Promise<vscode.Location | undefined> {
    for (const glob of suiteFileGlobs(suite)) {
      for (const uri of await vscode.workspace.findFiles(new vscode.RelativePattern(this.folder, glob), EXCLUDE_GLOB, 5)) {
        try {
          const line = findTestLine(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)), test);
          return this.at(uri, line);
        } catch {
          // unreadable: try the next candidate
        }
      }
    }
    return undefined;
  }

  private at(uri: vscode.Uri, line?: number): vscode.Location {
    const l = Math.max(0, (line ?? 1) - 1);
    return new vscode.Location(uri, new vscode.Range(l, 0, l, 1000));
  }

  private async findInJson(uri: vscode.Uri, pattern: string): Promise<vscode.Location | undefined> {
    try {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      const re = new RegExp(pattern);
      const lines = text.split(/\r?\n/);
      const index = lines.findIndex((l) => re.test(l));
      return index >= 0 ? this.at(uri, index + 1) : undefined;
    } catch {
      return undefined;
    }
  }

  private scan(): Promise<Array<{ uri: vscode.Uri; defs: Definition[] }>> {
    this.definitions ??= (async () => {
      const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(this.folder, DEFINITION_GLOB), EXCLUDE_GLOB, MAX_FILES);
      const out: Array<{ uri: vscode.Uri; defs: Definition[] }> = [];
      for (const uri of uris) {
        try {
          const bytes = await vscode.workspace.fs.readFile(uri);
          if (bytes.byteLength > 2_000_000) continue;
          const defs = findDefinitions(new TextDecoder().decode(bytes), uri.path);
          if (defs.length) out.push({ uri, defs });
        } catch {
          // unreadable files are skipped
        }
      }
      return out;
    })();
    return this.definitions;
  }
}

function jsonString(s: string): string {
  return JSON.stringify(s).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isAbsolute(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p);
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
