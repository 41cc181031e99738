import { selectBenchmarks } from './run';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { CliError, type CliCommand, type CliIO } from '../cli-types';
import { BOOLEAN, STRING, UsageError, flagValue, parseCommandLine, stringValue, wholeNumberValue, type OptionSpecs } from '../args';
import type { BenchmarkConfig } from '../../core/config';
import { vcsInfo } from '../../core/env/vcs';
import { formatSeconds } from '../../core/format';
import { ProgramRefusedError } from '../../core/program-gate';
import { captureProfile, diffHeadline, diffProfiles, functionShares, ProfileError, ProfileFormatError, toCpuProfile, toSpeedscope, type CapturedProfile, type ProfileDiff } from '../../core/profile';
import { recordProfile } from '../../core/profile/record';
import { latestRunIn } from '../../core/profile/run-link';
import { HistoryStore } from '../../core/store/history-store';
import { existsSync } from 'node:fs';
import { withWorktree, WorktreeError } from '../../core/runner';
import { resolveHistoryDir } from '../../core/store/location';

const usage = `Usage: perf-pulse profile NAME [--rev REV] [--json] [options]

Profiles one configured benchmark (one run, apart from its timed runs) with the profiler
that fits its command: node → V8 --cpu-prof; go test -bench → pprof; python → cProfile;
anything else → Valgrind callgrind ("profiler" in perfpulse.json overrides the choice).
Lists the functions by their share of the time (self, then total).

With --rev, REV is profiled too, in a temporary git worktree, and the functions are ranked
by how much of the slowdown from REV to the working tree each one's own time explains.

Options:
  --rev REV         the base revision of a differential profile
  --json            print { "benchmark", "profiler", "functions": [...], "diff": [...] }
  --workspace DIR   the workspace folder (default: the current folder)
  --history DIR     the history folder the profile is kept beside (default: as the editor resolves it)
  --no-record       do not keep the profile
  --out FILE        also write the profile: FILE.cpuprofile (V8 format) or speedscope JSON otherwise
  --limit N         functions listed (default: 15 in the table; in JSON every one with at least 0.1%)
  --alloc           profile allocated bytes instead of time (Node: V8 --heap-prof; Go: -memprofile);
                    the shares are then shares of the bytes (not with --rev)

Exit codes: 0 profiled; 2 no profiler fits the command, the profiler is missing (the message
says how to install it), or a config or run error; 130 interrupted.
`;

interface ProfileArgs {
  name: string;
  rev?: string;
  json: boolean;
  workspace: string;
  history?: string;
  record: boolean;
  out?: string;
  limit?: number;
  alloc: boolean;
}

const OPTIONS: OptionSpecs = {
  rev: STRING,
  json: BOOLEAN,
  workspace: STRING,
  history: STRING,
  'no-record': BOOLEAN,
  out: STRING,
  limit: STRING,
  alloc: BOOLEAN,
};

/** One NAME and the options, read by the argument layer every command shares. */
function parseArgs(argv: string[], cwd: string): ProfileArgs {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (positionals.length !== 1) throw new UsageError('give exactly one benchmark NAME');
  const limit = wholeNumberValue(values, 'limit', 1);
  const rev = stringValue(values, 'rev');
  const alloc = flagValue(values, 'alloc');
  if (alloc && rev !== undefined) throw new CliError('--alloc and --rev do not go together: the differential profile compares time');
  return {
    name: positionals[0],
    rev,
    json: flagValue(values, 'json'),
    workspace: path.resolve(cwd, stringValue(values, 'workspace') ?? '.'),
    history: stringValue(values, 'history'),
    record: !flagValue(values, 'no-record'),
    out: stringValue(values, 'out'),
    limit,
    alloc,
  };
}

async function benchmarkNamed(workspace: string, name: string): Promise<BenchmarkConfig> {
  const { benches } = await selectBenchmarks(workspace, [name]);
  return benches[0];
}

/** The `--json` document: exactly the contract's fields, shares between 0 and 1, sorted by share. */
export function profileJson(name: string, head: CapturedProfile, diff: ProfileDiff | undefined, limit?: number): Record<string, unknown> {
  const shares = functionShares(head.profile);
  const functions = (limit ? shares.slice(0, limit) : shares.filter((f) => f.totalShare >= 0.001 || f.selfShare >= 0.001)).map((f) => ({
    name: f.name,
    file: f.file,
    line: f.line,
    selfShare: f.selfShare,
    totalShare: f.totalShare,
  }));
  const out: Record<string, unknown> = { benchmark: name, profiler: head.profile.profiler, functions };
  if (diff) {
    const entries = limit ? diff.entries.slice(0, limit) : diff.entries.filter((e) => e.shareOfDelta >= 0.001);
    out.diff = entries.map((e) => ({ name: e.name, file: e.file, line: e.line, deltaSeconds: e.deltaSeconds, shareOfDelta: e.shareOfDelta }));
  }
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(6);
const where = (file: string, line: number) => (file ? `${file}${line ? `:${line}` : ''}` : '');

function profileText(name: string, head: CapturedProfile, diff: ProfileDiff | undefined, rev: string | undefined, limit = 15): string {
  const lines: string[] = [];
  const per = head.per === 'op' ? ' (scaled to one operation of each Go benchmark)' : '';
  const what = head.profile.unit === 'bytes' ? ', shares of the bytes allocated' : '';
  lines.push(`${name}: profiled with ${head.profile.profiler}, ${formatSeconds(head.profiledWall)} under the profiler${per}${what}`);
  lines.push(`  ${'self'.padStart(6)}  ${'total'.padStart(6)}  function`);
  for (const f of functionShares(head.profile).slice(0, limit)) lines.push(`  ${pct(f.selfShare)}  ${pct(f.totalShare)}  ${f.name}  ${where(f.file, f.line)}`.trimEnd());
  if (diff) {
    lines.push('');
    lines.push(`Against ${rev}: ${diff.totalDeltaSeconds >= 0 ? '+' : '-'}${formatSeconds(Math.abs(diff.totalDeltaSeconds))} (${formatSeconds(diff.baseTotalSeconds)} → ${formatSeconds(diff.headTotalSeconds)})`);
    lines.push(`  ${'delta'.padStart(10)}  ${'share'.padStart(6)}  function`);
    for (const e of diff.entries.slice(0, limit)) lines.push(`  ${('+' + formatSeconds(e.deltaSeconds)).padStart(10)}  ${pct(e.shareOfDelta)}  ${e.name}  ${where(e.file, e.line)}`.trimEnd());
    const headline = diffHeadline(diff, formatSeconds);
    lines.push(headline ? headline : 'no function got slower');
  }
  return lines.join('\n') + '\n';
}

async function writeOut(file: string, captured: CapturedProfile, name: string): Promise<void> {
  const doc = file.endsWith('.cpuprofile') ? toCpuProfile(captured.profile) : toSpeedscope(captured.profile, name);
  await fsp.writeFile(file, JSON.stringify(doc));
}

async function run(argv: string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, io.cwd);
  const bench = await benchmarkNamed(args.workspace, args.name);
  const log = args.json ? undefined : (line: string) => io.stderr(line + '\n');
  let base: CapturedProfile | undefined;
  let baseCommit: string | undefined;
  if (args.rev !== undefined) {
    await withWorktree(args.workspace, args.rev, async (revDir, commit) => {
      baseCommit = commit;
      log?.(`profiling ${args.rev} = ${commit.slice(0, 12)} in a temporary worktree`);
      base = await captureProfile(bench, { workspace: revDir, signal: io.signal, log, calibrateGo: true });
    });
  }
  // Go benchmarks run the same operations on both sides (the base's calibrated count).
  const head = await captureProfile(bench, { workspace: args.workspace, signal: io.signal, log, mode: args.alloc ? 'alloc' : 'cpu', ...(base?.goIterations !== undefined ? { goIterations: base.goIterations } : {}) });
  const diff = base ? diffProfiles(base.profile, head.profile) : undefined;
  if (args.record) {
    const historyDir = resolveHistoryDir({ workspaceDir: args.workspace, ...(args.history ? { override: args.history } : {}), env: io.env });
    const { commit } = await vcsInfo(args.workspace);
    // The run it belongs to, from the history when there is one (never created for this).
    const findRun = async (benchmark: string, at: string) => {
      if (!existsSync(historyDir)) return undefined;
      const store = await HistoryStore.open(historyDir);
      try {
        return await latestRunIn(store, benchmark, at);
      } finally {
        await store.close();
      }
    };
    const file = await recordProfile(historyDir, head, { ...(commit ? { commit } : {}), ...(baseCommit ? { baseCommit } : {}), findRun });
    log?.(`profile kept in ${file}`);
  }
  if (args.out) await writeOut(path.resolve(io.cwd, args.out), head, args.name);
  if (args.json) io.stdout(JSON.stringify(profileJson(args.name, head, diff, args.limit), null, 2) + '\n');
  else io.stdout(profileText(args.name, head, diff, args.rev, args.limit));
  return 0;
}

export const command: CliCommand = {
  summary: 'profile a benchmark (V8, pprof, cProfile or callgrind); with --rev, rank what got slower',
  usage,
  async run(argv, io) {
    try {
      return await run(argv, io);
    } catch (err) {
      if (io.signal.aborted) {
        io.stderr('perf-pulse profile: interrupted; every profiled process was stopped\n');
        return 130;
      }
      if (err instanceof ProfileError || err instanceof ProfileFormatError || err instanceof WorktreeError || err instanceof ProgramRefusedError) throw new CliError(err.message);
      throw err;
    }
  },
};
