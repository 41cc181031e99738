import { CliError, type CliCommand, type CliIO } from '../cli-types';
import { ShareError, syncHistory, type SyncReport } from '../../core/share/sync';
import { resolveHistoryDir } from '../../core/store/history-store';
import { withHistoryAt } from '../history-access';
import { BOOLEAN, parseCommandLine, STRING, stringValue } from '../args';

const usage = `Usage: perf-pulse sync [options]

Shares the history through git notes (ref refs/notes/perf-pulse) on the commits
that were measured: fetches the remote's notes, merges them with local results
(a union: nothing anyone pushed is overwritten), adds what other machines measured
to the local history, and pushes the merged notes back. When another machine
pushes at the same moment, sync fetches and merges again.

Options:
  --remote NAME      the git remote (default: the branch's upstream, else origin,
                     else the only remote)
  --workspace DIR    a folder inside the repository (default: the current folder)
  --history DIR      the history folder (default: as the editor resolves it)
  --no-push          fetch and merge only
  --include-dirty    also share runs made on a work tree with uncommitted changes
  --include-hostname also share the machine's hostname (default: machines are known
                     by their fingerprint; environment values and absolute paths are
                     never shared, see docs/SHARING.md)
  --json             print the sync report as JSON

Results noted on commits that were rebased or force-pushed away stay in the
history and are listed. Without any git remote, results are noted locally
(ready for a later push) and sync says so.

Exit codes: 0 synced (or nothing to share with: no remote); 2 could not sync
(not a repository, unknown remote, fetch or push refused; the reason is printed).
`;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The human-readable report; every number a user may need to act on, nothing else. */
export function describeSync(report: SyncReport, historyDir: string): string {
  const lines: string[] = [];
  if (report.remote === undefined) {
    lines.push('No git remote: results are noted locally under refs/notes/perf-pulse; nothing fetched or pushed.');
  } else {
    lines.push(
      `Synced with '${report.remote}': ${plural(report.noted, 'local record')} noted, ${plural(report.imported, 'record')} from other machines added to ${historyDir}, ` +
        (report.pushed ? 'notes pushed' : 'nothing to push') +
        (report.attempts > 1 ? ` (after ${report.attempts} rounds: others pushed at the same time)` : '') +
        '.',
    );
    if (!report.remoteHadNotes && !report.pushed) lines.push(`'${report.remote}' has no Perf Pulse notes yet.`);
  }
  lines.push(`Shared history: ${plural(report.notedRecords, 'record')} on ${plural(report.notedCommits, 'commit')}.`);
  if (report.detached.length) {
    const gone = report.detached.filter((d) => d.state === 'unreachable');
    const missing = report.detached.filter((d) => d.state === 'missing');
    if (gone.length) lines.push(`Kept results of ${plural(gone.length, 'commit')} no longer on any branch or tag (rebased or force-pushed away): ${list(gone)}`);
    if (missing.length) lines.push(`Kept results of ${plural(missing.length, 'commit')} not in this clone (never fetched or rewritten elsewhere): ${list(missing)}`);
  }
  if (report.commitMissing.length) {
    lines.push(`Not shared: ${plural(report.commitMissing.reduce((a, c) => a + c.records, 0), 'record')} measured on commits this repository lacks: ${list(report.commitMissing)}`);
  }
  if (report.withoutCommit) lines.push(`Not shared: ${plural(report.withoutCommit, 'record')} without a commit (measured outside a repository).`);
  if (report.dirtySkipped) lines.push(`Not shared: ${plural(report.dirtySkipped, 'run')} on uncommitted changes (use --include-dirty to share them).`);
  for (const p of report.problems.slice(0, 20)) lines.push(`Unreadable line kept in the note of ${p.commit} (line ${p.line}): ${p.problem}`);
  if (report.problems.length > 20) lines.push(`... and ${report.problems.length - 20} more unreadable note lines.`);
  return lines.join('\n') + '\n';
}

function list(items: { commit: string; records: number }[]): string {
  const shown = items.slice(0, 10).map((d) => `${d.commit.slice(0, 12)} (${plural(d.records, 'record')})`);
  return shown.join(', ') + (items.length > 10 ? `, and ${items.length - 10} more` : '');
}

async function run(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandLine(
    argv,
    { remote: STRING, workspace: STRING, history: STRING, 'no-push': BOOLEAN, 'include-dirty': BOOLEAN, 'include-hostname': BOOLEAN, json: BOOLEAN },
    { maxPositionals: 0 },
  );
  const workspaceDir = stringValue(values, 'workspace') ?? io.cwd;
  const historyDir = resolveHistoryDir({ workspaceDir, override: stringValue(values, 'history'), env: io.env });
  return withHistoryAt(
    historyDir,
    async (store) => {
      const report = await syncHistory(store, {
        workspaceDir,
        remote: stringValue(values, 'remote'),
        push: !values['no-push'],
        includeDirty: values['include-dirty'] === true,
        includeHostname: values['include-hostname'] === true,
        signal: io.signal,
        env: io.env,
        log: (line) => io.stderr(line + '\n'),
      });
      io.stdout(values.json ? JSON.stringify({ historyDir, ...report }, null, 2) + '\n' : describeSync(report, historyDir));
      return 0;
    },
    {
      userErrors: [ShareError],
      // Ctrl-C stops git children; notes already written locally stay (a later sync pushes them).
      onError: () => (io.signal.aborted ? new CliError('interrupted; local notes are consistent, run sync again to finish', 130) : undefined),
    },
  );
}

export const command: CliCommand = {
  summary: 'share results with other machines through git notes',
  usage,
  run,
};
export default command;
