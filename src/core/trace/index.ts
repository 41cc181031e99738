export { analyzeTrace, criticalPathOf, type BuildAnatomy, type CriticalStep, type PhaseSummary, type TimelineProcess } from './timeline';
export { toChromeTrace, type ChromeTrace, type ChromeTraceEvent } from './chrome-trace';
export { recognizeStep, namedPhaseOf, type NamedPhase, type RecognizedStep } from './phases';
export { runTraced, TRACE_MARKER_ENV, type TraceRun, type TraceRunOptions } from './run-traced';
export { DEFAULT_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS, ProcessTreeSampler, unsupportedReason, type SampledProcess, type TreeSample, type TreeTrace } from './sampler';
