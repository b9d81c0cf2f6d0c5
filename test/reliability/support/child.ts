import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVER = fileURLToPath(new URL('./server-child.ts', import.meta.url));

export interface ServerChild {
  readonly process: ChildProcess;
  readonly url: string;
  readonly port: number;
  kill(signal?: NodeJS.Signals): Promise<void>;
  output(): string;
}

/**
 * Starts the reliability server (TypeScript sources through tsx, like runtime/crash.test.ts) and waits until it
 * listens. `script`: another server entry printing `listening <port>` (default server-child.ts).
 */
export async function startServerChild(env: Record<string, string>, script: string = SERVER): Promise<ServerChild> {
  const { DATABASE_URL: _inherited, ...parentEnv } = process.env;
  const proc = spawn(process.execPath, ['--conditions=@mailroom/source', '--import', 'tsx', script], {
    cwd: REPO_ROOT,
    env: { ...parentEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (chunk) => (output += chunk));
  proc.stderr!.on('data', (chunk) => (output += chunk));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server child did not start within 60 s: ${output}`)), 60_000);
    proc.stdout!.on('data', () => {
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server child exited (${code ?? signal}) before listening: ${output}`));
    });
  });
  return {
    process: proc,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async kill(signal = 'SIGKILL') {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill(signal);
      await exited;
    },
  };
}
