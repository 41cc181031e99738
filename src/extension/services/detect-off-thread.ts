import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { detectInThisThread, type DetectAll } from '../../core/findings';
import type { SeriesVerdict } from '../../core/detect';

/** Below this many values in all the detector takes about 10 ms or less (0.5 to 1 s per million values): not worth a worker. */
const OFF_THREAD_MIN_VALUES = 20_000;

/**
 * The detector step of an analysis on a worker thread, started for the one call and ended
 * after it. Beside the bundles the worker is dist/detect-worker.js; without it (tests from
 * the sources) the detector runs in this thread.
 */
export function detectOffThread(onFallback: (why: string) => void, minValues = OFF_THREAD_MIN_VALUES): DetectAll {
  return async (series, options) => {
    const file = join(__dirname, 'detect-worker.js');
    const values = series.reduce((n, s) => n + s.values.length, 0);
    if (values < minValues || !existsSync(file)) return detectInThisThread(series, options);
    try {
      return await new Promise<SeriesVerdict[]>((resolve, reject) => {
        const worker = new Worker(file);
        worker.once('message', (reply: { verdicts?: SeriesVerdict[]; error?: string }) => {
          void worker.terminate();
          if (reply.verdicts) resolve(reply.verdicts);
          else reject(new Error(reply.error ?? 'no verdicts'));
        });
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`the detector's worker ended (exit code ${code})`)));
        worker.postMessage([series, options]);
      });
    } catch (err) {
      onFallback(String((err as Error)?.message ?? err));
      return detectInThisThread(series, options);
    }
  };
}
