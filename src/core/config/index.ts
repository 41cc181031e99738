export * from './config';
export * from './quantity';
export * from './starter';
