// Shared by the specs that run the project's own tools: the repository root,
// the cargo target directory, a checked child process, the `caqes` CLI.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TARGET = process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target');

// Runs `cmd args` and returns its stdout; throws with its stderr on failure.
export function sh(cmd, args, what) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`${what} failed (${r.error || r.status}): ${r.stderr}\n${r.stdout}`);
  }
  return r.stdout;
}

// The `caqes` CLI: $CAQES_CLI, else target/debug/caqes (built if missing).
export function cliPath() {
  if (process.env.CAQES_CLI) return process.env.CAQES_CLI;
  const bin = path.join(TARGET, 'debug', 'caqes');
  if (!fs.existsSync(bin)) {
    const r = spawnSync('cargo', ['build', '-q', '-p', 'caqes-cli'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('cargo build -p caqes-cli failed');
  }
  return bin;
}
