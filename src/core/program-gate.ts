/**
 * One switch that every place starting a program (git, a benchmark, a runtime probe)
 * consults first. The VS Code extension sets it to refuse while the workspace is not
 * trusted (Restricted Mode); the CLI leaves it open. The gate lives on `globalThis`
 * under a registered symbol because the extension is built as several bundles, each
 * with its own copy of this module: all of them must see the same switch.
 */

/** Returns why programs may not run now, or undefined when they may. */
export type ProgramGate = () => string | undefined;

const GATE_KEY = Symbol.for('perf-pulse.program-gate');

type GateHolder = { [GATE_KEY]?: ProgramGate };

/** Installs (or, with undefined, removes) the process-wide gate. */
export function setProgramGate(gate: ProgramGate | undefined): void {
  (globalThis as GateHolder)[GATE_KEY] = gate;
}

/** Why programs may not run now; undefined when they may. */
export function programRefusal(): string | undefined {
  return (globalThis as GateHolder)[GATE_KEY]?.();
}

/** A program was about to start where none may run (e.g. an untrusted workspace). */
export class ProgramRefusedError extends Error {
  constructor(readonly action: string, readonly reason: string) {
    super(`Perf Pulse did not ${action}: ${reason}`);
    this.name = 'ProgramRefusedError';
  }
}

/** Throws `ProgramRefusedError` when the gate is closed. */
export function assertMayRunPrograms(action: string): void {
  const reason = programRefusal();
  if (reason !== undefined) throw new ProgramRefusedError(action, reason);
}
