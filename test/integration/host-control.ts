// What the outer runner (scripts/vscode-test/run-host-suite.ts) tells the suite running inside
// VS Code: where to write the report and results, and where to ask for screenshots.
// It travels as a JSON file, named by the PERF_PULSE_TEST_CONTROL environment variable or
// found at `.vscode-test-control.json` in the first workspace folder, because the environment
// of a browser-hosted extension host is not always the runner's.
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import * as vscode from 'vscode';

export const CONTROL_FILE_NAME = '.vscode-test-control.json';

export interface HostControl {
  /** The suite appends its human-readable report here, line by line, for the runner to stream. */
  reportFile: string;
  /** The suite writes its totals here as JSON: `{ passed, failed, pending, failures }`. */
  resultsFile: string;
  /** `http://127.0.0.1:<port>`; absent when no browser page is there to photograph (desktop VS Code). */
  controlUrl?: string;
  /** Where screenshots go when a test gives only a name. */
  screenshotsDir?: string;
}

export function findHostControl(): HostControl | undefined {
  const candidates: string[] = [];
  if (process.env.PERF_PULSE_TEST_CONTROL) candidates.push(process.env.PERF_PULSE_TEST_CONTROL);
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme === 'file') candidates.push(path.join(folder.uri.fsPath, CONTROL_FILE_NAME));
  }
  for (const file of candidates) {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as HostControl;
    } catch {
      // Try the next place.
    }
  }
  return undefined;
}

/**
 * Asks the runner to photograph the whole VS Code page. Resolves to the written path, or to
 * undefined where screenshots are not available (desktop VS Code), so tests can call it freely.
 * `name` becomes `<screenshotsDir>/<name>.png`; an absolute `.png` path is used as it is.
 */
export async function requestScreenshot(name: string): Promise<string | undefined> {
  const control = findHostControl();
  if (!control?.controlUrl) return undefined;
  const url = new URL('/screenshot', control.controlUrl);
  url.searchParams.set(path.isAbsolute(name) ? 'path' : 'name', name);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        if (res.statusCode === 200) resolve(JSON.parse(body).path as string);
        else reject(new Error(`screenshot request failed (${res.statusCode}): ${body}`));
      });
    });
    req.on('error', reject);
    req.end();
  });
}
