import type { ReportModel } from './model';

/** The report for machines: the model as is, with a format version. */
export function toJson(report: ReportModel): string {
  return JSON.stringify({ version: 1, ...report }, null, 2) + '\n';
}
