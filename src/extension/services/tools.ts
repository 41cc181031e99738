/**
 * The rarely used, heavy parts of stage two: the benchmark runner, the result parsers (with
 * their XML parser), import, report export and git-notes sharing. Built as a bundle of its own
 * (dist/tools.js) and loaded on first use through `tools()` (see load-tools.ts), so that
 * loading the services at start-up does not parse them.
 */
export { runBenchmark, toRunRecords, runInterleaved, withWorktree, RunCancelledError } from '../../core/runner';
export { parseText, ParseError } from '../../core/parsers';
export { importFile } from '../../core/store/import';
export { buildReport, toHtml, toJson, toMarkdown } from '../../core/report';
export { syncHistory, ShareError } from '../../core/share/sync';
export { captureProfile, diffHeadline, diffProfiles, functionShares, toCpuProfile } from '../../core/profile';
export { recordProfile } from '../../core/profile/record';
export { listProfiles, loadProfile } from '../../core/profile/store';
export { vcsInfo } from '../../core/env/vcs';
