/**
 * The detector on a worker thread (bundled as dist/detect-worker.js): judging a large history
 * at once takes about a second, which the extension host's thread must not spend.
 * In: { series: { id, direction, values: Float64Array }[], options }. Out: the verdicts, or { error }.
 */
import { parentPort } from 'node:worker_threads';
import { detectInThisThread } from '../../core/findings/analyze';

parentPort?.once('message', (message: Parameters<typeof detectInThisThread>) => {
  detectInThisThread(...message).then(
    (verdicts) => parentPort?.postMessage({ verdicts }),
    (err: Error) => parentPort?.postMessage({ error: String(err?.stack ?? err) }),
  );
});
