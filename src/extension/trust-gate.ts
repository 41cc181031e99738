import vscode = require('vscode');
import { setProgramGate } from '../core/program-gate';

/**
 * Closes the program gate (see core/program-gate.ts) while the workspace is not trusted:
 * no git, benchmark, compiler or runtime probe starts in Restricted Mode, whichever
 * feature asks. The gate reads `isTrusted` on every call, so once the user grants trust
 * the same features work without a reload. Installed first thing at activation.
 */
export function installTrustGate(): void {
  setProgramGate(() => (vscode.workspace.isTrusted ? undefined : 'the workspace is not trusted (Restricted Mode)'));
}
