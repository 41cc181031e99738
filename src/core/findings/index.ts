export * from './types';
export * from './analyze';
export * from './decisions';
export * from './budget';
export * from './message';
export * from './compare-current';
export * from './from-store';
export * from './analysis-cache-file';
