import { strict as assert } from 'node:assert';
import { analyzeTrace, criticalPathOf, recognizeStep, toChromeTrace, type TimelineProcess } from '../../../src/core/trace';
import type { TreeTrace } from '../../../src/core/trace';
import { assertChromeTrace } from './trace-fixture';

/** The analysis of a timeline, on timelines written out by hand (the real builds are in real-builds.test.ts). */

const proc = (pid: number, ppid: number, command: string, start: number, end: number, cpuSeconds = 0): TimelineProcess => ({ pid, ppid, command, start, end, cpuSeconds, peakRssBytes: 0 });

describe('build timeline analysis', () => {
  it('recognises the steps of common builds from their command lines', () => {
    const cases: Array<[string, string | undefined, boolean | undefined]> = [
      ['node /usr/lib/node_modules/npm/bin/npm-cli.js run build', 'npm run build', true],
      ['sh -c tsc -p . & esbuild src/main.ts', 'sh', true],
      ['node /repo/node_modules/typescript/bin/tsc -p tsconfig.app.json', 'tsc -p tsconfig.app.json', false],
      ['node /repo/node_modules/.bin/tsc', 'tsc', false],
      ['/repo/node_modules/@esbuild/linux-x64/bin/esbuild src/main.ts --bundle', 'esbuild main.ts', false],
      ['/repo/node_modules/@esbuild/linux-x64/bin/esbuild --service=0.24.2 --ping', 'esbuild', false],
      ['make -j2', 'make', true],
      ['make -C lib all', 'make -C lib all', true],
      ['cc -O2 -c big.c -o big.o', 'cc big.o', false],
      ['/usr/lib/gcc/x86_64-linux-gnu/12/cc1 -quiet big.c', 'cc1', false],
      ['node /repo/node_modules/jest-worker/build/workers/processChild.js', 'jest worker', false],
      ['node /repo/node_modules/vitest/dist/workers/forks.js', 'vitest worker', false],
      ['go build ./...', 'go build', true],
      ['/usr/lib/go/pkg/tool/linux_amd64/compile -o /tmp/b001/_pkg_.a -p main -complete', 'go compile main', false],
      ['cargo build --release', 'cargo build', true],
      ['rustc --crate-name serde --edition=2018 src/lib.rs', 'rustc serde', false],
      ['python3 script.py', undefined, undefined],
    ];
    for (const [command, name, wrapper] of cases) {
      const step = recognizeStep(command);
      assert.equal(step?.name, name, command);
      assert.equal(step?.wrapper, wrapper, command);
    }
  });

  it('the critical path looks through wrappers and chains the steps that set the end', () => {
    // make -j2: a.o and b.o in parallel, c.o after a.o, then the link; b.o ends last of the compiles.
    const ps = [
      proc(1, 0, 'make -j2', 0, 10),
      proc(2, 1, 'cc -c a.c -o a.o', 0.1, 3),
      proc(3, 1, 'cc -c b.c -o b.o', 0.1, 8),
      proc(4, 1, 'cc -c c.c -o c.o', 3, 6),
      proc(5, 1, 'cc -o app a.o b.o c.o', 8.05, 9.9),
      proc(6, 5, 'ld -o app', 8.1, 9.8),
    ];
    assert.deepEqual(criticalPathOf(1, ps).map((s) => s.command), ['cc -c b.c -o b.o', 'cc -o app a.o b.o c.o']);
    // With b.o shorter, the chain is a.o → c.o → link.
    ps[2].end = 5;
    assert.deepEqual(criticalPathOf(1, ps).map((s) => s.command), ['cc -c a.c -o a.o', 'cc -c c.c -o c.o', 'cc -o app a.o b.o c.o']);
  });

  it('npm → sh → (tsc ‖ esbuild): tsc, the one that ends last', () => {
    const ps = [
      proc(10, 0, 'node /x/npm-cli.js run build', 0, 12),
      proc(11, 10, 'sh -c tsc -p . & esbuild src/main.ts --bundle & wait', 0.8, 11.8),
      proc(12, 11, 'node /x/typescript/bin/tsc -p .', 0.9, 11.7, 9),
      proc(13, 11, 'node /x/esbuild/bin/esbuild src/main.ts --bundle', 0.9, 1.6, 0.3),
      proc(14, 13, '/x/@esbuild/linux-x64/bin/esbuild src/main.ts --bundle', 1.0, 1.5, 0.2),
    ];
    assert.deepEqual(criticalPathOf(10, ps).map((s) => s.command), ['node /x/typescript/bin/tsc -p .']);
  });

  it('anatomy: efficiency is CPU ÷ (wall × cores); phases and longest steps; a Chrome trace that parses', () => {
    const trace: TreeTrace = {
      supported: true,
      intervalSeconds: 0.5,
      passes: 4,
      samplingSeconds: 0.001,
      samples: [
        { t: 1, cpuCores: 1.5, rssBytes: 100e6, processes: 3 },
        { t: 2, cpuCores: 1.2, rssBytes: 300e6, processes: 3 },
      ],
      processes: [
        { pid: 1, ppid: 0, command: 'make -j2', start: 0, end: 4, cpuSeconds: 0.1, peakRssBytes: 2e6, joinedBy: 'root' },
        { pid: 2, ppid: 1, command: 'cc -c a.c -o a.o', start: 0.1, end: 3, cpuSeconds: 0.05, peakRssBytes: 3e6, joinedBy: 'parent' },
        { pid: 3, ppid: 2, command: '/usr/lib/gcc/cc1 a.c', start: 0.2, end: 2.9, cpuSeconds: 2.6, peakRssBytes: 80e6, joinedBy: 'parent' },
        { pid: 4, ppid: 1, command: 'cc -o app a.o', start: 3.1, end: 3.9, cpuSeconds: 0.7, peakRssBytes: 20e6, joinedBy: 'parent' },
        { pid: 1, ppid: 1, command: '(short processes under make -j2)', start: 1, end: 2, cpuSeconds: 0.55, peakRssBytes: 0, joinedBy: 'unseen', unseen: true },
      ],
    };
    const a = analyzeTrace(trace, { rootPid: 1, wallSeconds: 4, cores: 2 });
    assert.equal(a.cpuSeconds, 4);
    assert.equal(a.parallelEfficiency, 0.5);
    assert.equal(a.peakRssBytes, 300e6);
    assert.deepEqual(a.criticalPath.map((c) => c.phase), ['cc a.o', 'cc app']);
    const compile = a.phases.find((p) => p.name === 'cc a.o')!;
    assert.equal(compile.cpuSeconds, 2.65, 'cc1 belongs to the compile that started it');
    assert.equal(a.phases.find((p) => p.name === 'make')!.cpuSeconds, 0.65);
    assert.equal(a.topSteps[0].phase, 'cc a.o');
    const events = assertChromeTrace(JSON.stringify(toChromeTrace(a, 1, 'make -j2')));
    assert.equal(events.filter((e) => e.ph === 'X' && e.cat === 'process').length, 4);
    assert.equal(events.filter((e) => e.ph === 'X' && e.cat === 'critical').length, 2);
    assert.ok(events.some((e) => e.ph === 'C' && e.name === 'CPU (cores)'));
  });

  it('named phases from the configuration win over recognised ones', () => {
    const trace: TreeTrace = {
      supported: true, intervalSeconds: 1, passes: 1, samplingSeconds: 0, samples: [],
      processes: [
        { pid: 1, ppid: 0, command: 'sh -c ./gen.sh && tsc', start: 0, end: 5, cpuSeconds: 0, peakRssBytes: 0, joinedBy: 'root' },
        { pid: 2, ppid: 1, command: 'bash ./gen.sh', start: 0, end: 2, cpuSeconds: 1, peakRssBytes: 0, joinedBy: 'parent' },
        { pid: 3, ppid: 2, command: 'python3 gen.py', start: 0.5, end: 1.9, cpuSeconds: 1, peakRssBytes: 0, joinedBy: 'parent' },
        { pid: 4, ppid: 1, command: 'node /x/typescript/bin/tsc', start: 2, end: 5, cpuSeconds: 3, peakRssBytes: 0, joinedBy: 'parent' },
      ],
    };
    const a = analyzeTrace(trace, { rootPid: 1, wallSeconds: 5, cores: 1, namedPhases: [{ name: 'codegen', match: 'gen.sh' }] });
    assert.deepEqual(a.phases.map((p) => [p.name, p.cpuSeconds]), [['codegen', 2], ['tsc', 3]]);
  });
});
