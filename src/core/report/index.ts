export * from './model';
export { toMarkdown } from './markdown';
export { toJson } from './json';
export { toJUnit, xmlEscape } from './junit';
export { toHtml, esc } from './html';
