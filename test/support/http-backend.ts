// Test helper: bare git repositories served over smart HTTP on 127.0.0.1 by git's own `git http-backend` (CGI),
// the transport a runner's `git push` to GitHub uses. The server runs in a child process
// (http-backend-server.ts, under tsx), so a test may call git synchronously while it serves.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runGitSync } from './git-repo.js';

export interface HttpGitServer {
  /** http://127.0.0.1:<port>/ */
  readonly baseUrl: string;
  /** The URL of a bare repository at `<root>/<repoName>`. */
  url(repoName: string): string;
  /** Requests served so far, by "METHOD service" (e.g. "POST git-receive-pack"). */
  requests(): Promise<Record<string, number>>;
  /** Fault injection: the next `count` requests for `service` ("git-receive-pack", "info/refs"… or "*") get `status`. */
  refuse(service: string, status: number, count?: number): void;
  /** Queues every request for `service` ("git-receive-pack"… or "*") until `release(service)`: a start barrier. */
  hold(service: string): void;
  release(service: string): void;
  /** Calls `listener` as each request starts and ends (its response closed); returns the unsubscribe. */
  onRequest(listener: (event: RequestEvent) => void): () => void;
  close(): Promise<void>;
}

export interface RequestEvent {
  /** "METHOD service", as in requests(). */
  readonly label: string;
  readonly phase: 'start' | 'end';
}

/** Lets pushes over HTTP in (http-backend refuses receive-pack for unauthenticated users unless this is set). */
export function allowHttpPush(bareDir: string): void {
  runGitSync(bareDir, ['config', 'http.receivepack', 'true']);
}

interface ServerMessage {
  readonly type: 'listening' | 'stats' | 'request';
  readonly port?: number;
  readonly requests?: Record<string, number>;
  readonly label?: string;
  readonly phase?: RequestEvent['phase'];
}

export async function startHttpGitServer(root: string): Promise<HttpGitServer> {
  const script = fileURLToPath(new URL('./http-backend-server.ts', import.meta.url));
  const child = fork(script, [root], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`http-backend server exited ${code} before listening`)));
    child.once('message', (message: ServerMessage) => {
      if (message.type === 'listening' && message.port) resolve(message.port);
    });
  });
  const baseUrl = `http://127.0.0.1:${port}/`;
  return {
    baseUrl,
    url: (name) => `${baseUrl}${name}`,
    requests: () => new Promise((resolve) => {
      const onMessage = (message: ServerMessage): void => {
        if (message.type !== 'stats') return;
        child.off('message', onMessage);
        resolve(message.requests ?? {});
      };
      child.on('message', onMessage);
      child.send({ type: 'stats' });
    }),
    refuse: (service, status, count = 1) => void child.send({ type: 'refuse', service, status, count }),
    hold: (service) => void child.send({ type: 'hold', service }),
    release: (service) => void child.send({ type: 'release', service }),
    onRequest(listener) {
      const onMessage = (message: ServerMessage): void => {
        if (message.type === 'request' && message.label && message.phase) listener({ label: message.label, phase: message.phase });
      };
      child.on('message', onMessage);
      child.send({ type: 'watch' });
      return () => void child.off('message', onMessage);
    },
    close: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
