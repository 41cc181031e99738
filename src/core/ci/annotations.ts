import * as path from 'node:path';
import type { BenchmarkConfig } from '../config';
import type { Finding } from '../findings/types';
import { parseSourceSetting } from '../locate/definitions';
import type { SourceLocation } from '../model';

/**
 * GitHub Actions workflow commands (`::error file=…,line=…::message`) that put each finding
 * on the line that defines its benchmark, in the pull request's diff and the run's summary.
 */

/** The message part of a workflow command: `%`, CR and LF would end or corrupt the command. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property value (`file=`, `title=`): also `:` and `,`, which separate the properties. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Annotation {
  level: AnnotationLevel;
  message: string;
  title?: string;
  /** Relative to the repository's root, with forward slashes. */
  file?: string;
  line?: number;
}

export function workflowCommand(a: Annotation): string {
  const props: string[] = [];
  if (a.file) props.push(`file=${escapeProperty(a.file)}`);
  if (a.file && a.line !== undefined) props.push(`line=${a.line}`);
  if (a.title) props.push(`title=${escapeProperty(a.title)}`);
  return `::${a.level}${props.length ? ' ' + props.join(',') : ''}::${escapeData(a.message)}`;
}

export interface AnnotationOptions {
  /** Does this finding fail the check? Those are errors, the others warnings. */
  fails: (finding: Finding) => boolean;
  /** The benchmarks of perfpulse.json, whose `source` places series that carry no location. */
  benchmarks?: readonly BenchmarkConfig[];
  /** The workspace folder, against which relative sources are resolved. */
  workspace: string;
  /** The repository's root (GITHUB_WORKSPACE); annotation paths are relative to it. Defaults to the workspace. */
  repositoryRoot?: string;
}

/** One annotation per regression or budget finding (improvements are left to the report). */
export function findingAnnotations(findings: readonly Finding[], options: AnnotationOptions): Annotation[] {
  return placedAnnotations(
    findings
      .filter((f) => f.kind !== 'improvement')
      .map((f) => ({
        name: f.name,
        level: options.fails(f) ? ('error' as const) : ('warning' as const),
        title: `Perf Pulse: ${f.name} ${f.kind === 'budget' ? 'over budget' : 'regressed'}`,
        message: f.message,
        ...(f.location ? { location: f.location } : {}),
      })),
    options,
  );
}

/** An annotation about a benchmark, before it is placed on the benchmark's source line. */
export interface BenchmarkNote {
  /** The benchmark (or series) name, whose configured `source` places it when `location` is absent. */
  name: string;
  level: AnnotationLevel;
  title: string;
  message: string;
  location?: SourceLocation;
}

/** Annotations placed at each benchmark's source line (its own location, else its configured `source`). */
export function placedAnnotations(notes: readonly BenchmarkNote[], options: Omit<AnnotationOptions, 'fails'>): Annotation[] {
  const sources = new Map<string, SourceLocation>();
  for (const b of options.benchmarks ?? []) if (b.source) sources.set(b.name, parseSourceSetting(b.source));
  return notes.map((n) => {
    const location = n.location ?? sources.get(n.name);
    const file = location ? repositoryPath(location.file, options.workspace, options.repositoryRoot ?? options.workspace) : undefined;
    const line = location?.line !== undefined && Number.isSafeInteger(location.line) && location.line > 0 ? location.line : undefined;
    return { level: n.level, title: n.title, message: n.message, ...(file ? { file } : {}), ...(file && line !== undefined ? { line } : {}) };
  });
}

/** The path GitHub matches against the diff, or undefined when the file lies outside the repository. */
function repositoryPath(file: string, workspace: string, root: string): string | undefined {
  if (!file) return undefined;
  const relative = path.relative(path.resolve(root), path.resolve(workspace, file));
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep).join('/');
}
