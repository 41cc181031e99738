/** The part of the `sax` streaming XML parser (isaacs/sax-js) that Perf Pulse uses. */
declare module 'sax' {
  export interface Tag {
    name: string;
    attributes: Record<string, string>;
    isSelfClosing: boolean;
  }
  export interface SAXOptions {
    trim?: boolean;
    normalize?: boolean;
    lowercase?: boolean;
    xmlns?: boolean;
    position?: boolean;
    strictEntities?: boolean;
  }
  export class SAXParser {
    constructor(strict: boolean, options?: SAXOptions);
    line: number;
    column: number;
    onopentag: (tag: Tag) => void;
    onclosetag: (name: string) => void;
    oncomment: (comment: string) => void;
    onerror: (error: Error) => void;
    write(chunk: string): this;
    close(): this;
  }
  export function parser(strict: boolean, options?: SAXOptions): SAXParser;
  export let MAX_BUFFER_LENGTH: number;
}
