import { parseByteSize } from '../core/parsers';
import { CliError } from './cli-types';

/** `--max-input-size` as bytes: `200MB`, `1GB`, `512KB` or a number of bytes. */
export function byteSizeOption(text: string): number {
  const bytes = parseByteSize(text);
  if (bytes === undefined) throw new CliError(`--max-input-size needs a size such as 200MB or 2GB (got "${text}")`);
  return bytes;
}
