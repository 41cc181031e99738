export { captureProfile, type CaptureOptions, type CapturedProfile } from './capture';
export { diffProfiles, diffHeadline, type DiffEntry, type ProfileDiff } from './diff';
export { functionCosts, functionShares, profileTotal, PROFILER_KINDS, type CallNode, type FunctionShare, type Profile, type ProfileFrame, type ProfilerKind } from './model';
export { ProfileError, ProfileFormatError } from './paths';
export { planProfile, V8_SAMPLING_INTERVAL_US, type ProfilerSetting } from './plan';
export { toCpuProfile, toSpeedscope, fromSpeedscope } from './speedscope';
export { listProfiles, loadProfile, pruneProfiles, saveProfile, profilesDir, type StoredProfileMeta } from './store';
