'use strict';
// A stand-in build step: bundles src/ into dist/demo.js so the build task has real work.
const { readdirSync, readFileSync, mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const root = join(__dirname, '..');
const parts = readdirSync(join(root, 'src')).map((f) => `// ${f}\n${readFileSync(join(root, 'src', f), 'utf8')}`);
mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist', 'demo.js'), parts.join('\n'));
console.log(`built dist/demo.js from ${parts.length} file(s)`);
