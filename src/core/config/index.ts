export * from './config';
export * from './quantity';
