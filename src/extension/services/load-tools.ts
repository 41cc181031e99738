import { join } from 'node:path';

export type Tools = typeof import('./tools');

let loaded: Tools | undefined;

/**
 * The tools bundle (runner, parsers, import, reports, sharing), required on first use.
 * The path is built at run time so that the bundler leaves it out of dist/services.js:
 * beside the bundles it is dist/tools.js; from the sources (tests) it is ./tools.ts.
 */
export function tools(): Tools {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require(join(__dirname, 'tools')) as Tools);
}
