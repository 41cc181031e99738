import * as crypto from 'node:crypto';

/** `crypto.hash` (Node 20.12+): a one-shot digest that creates no Hash object. */
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'buffer') => Buffer }).hash;

/**
 * The SHA-1 of a string's UTF-8 bytes. One-shot where Node has it: an import of half a million
 * records makes a million of these, and each Hash object holds native memory until it is collected.
 */
export function sha1(text: string): Buffer {
  return oneShot ? oneShot('sha1', text, 'buffer') : crypto.createHash('sha1').update(text).digest();
}
