export * from './machine';
export * from './vcs';
export * from './load';
