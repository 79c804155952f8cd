// Child process behind test/support/http-backend.ts (run with tsx): serves bare repositories under a root over smart HTTP with
// `git http-backend` (CGI) on 127.0.0.1. A separate process so tests may call git synchronously without
// blocking the server. Talks to its parent over IPC: "listening" with the port, "stats" with the requests served,
// and takes {type: 'refuse', service, status, count} to refuse the next requests for a service (fault injection),
// {type: 'hold'|'release', service} to queue a service's requests until released (a start barrier), and
// {type: 'watch'} to report each request's start and end ({type: 'request', label, phase}) as it happens.
import { execFileSync, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const root = process.argv[2];
if (!root) throw new Error('usage: http-backend-server.mjs <root>');
const backend = `${execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim()}/git-http-backend`;
const refusals: { service: string; status: number; count: number }[] = [];
const requests: Record<string, number> = {};
const held = new Map<string, (() => void)[]>();
let watching = false;
interface ParentMessage { readonly type: 'refuse' | 'stats' | 'hold' | 'release' | 'watch'; readonly service?: string; readonly status?: number; readonly count?: number }
process.on('message', (message: ParentMessage) => {
  if (message.type === 'refuse') refusals.push({ service: message.service ?? '*', status: message.status ?? 500, count: message.count ?? 1 });
  if (message.type === 'stats') process.send?.({ type: 'stats', requests });
  if (message.type === 'hold' && !held.has(message.service ?? '*')) held.set(message.service ?? '*', []);
  if (message.type === 'release') {
    const queue = held.get(message.service ?? '*') ?? [];
    held.delete(message.service ?? '*');
    for (const serve of queue) serve();
  }
  if (message.type === 'watch') watching = true;
});
process.on('disconnect', () => process.exit(0));

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const service = url.searchParams.get('service') ?? url.pathname.split('/').at(-1) ?? '';
  const label = `${req.method ?? 'GET'} ${service}`;
  requests[label] = (requests[label] ?? 0) + 1;
  const refusal = refusals.find((r) => r.count > 0 && (r.service === service || r.service === '*'));
  if (refusal) {
    refusal.count -= 1;
    req.resume();
    res.writeHead(refusal.status, { 'content-type': 'text/plain' }).end(`refused by the test server (${refusal.status})\n`);
    return;
  }
  if (watching) {
    process.send?.({ type: 'request', label, phase: 'start' });
    res.on('close', () => process.send?.({ type: 'request', label, phase: 'end' }));
  }
  const queue = held.get(service) ?? held.get('*');
  if (queue) queue.push(() => serve(req, res));
  else serve(req, res);
});

function serve(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: '127.0.0.1',
    REMOTE_USER: 'runner',
    ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
    ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
    ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
  };
  const child = spawn(backend, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(child.stdin);
  child.stdin.on('error', () => {});
  let head = Buffer.alloc(0);
  let headersSent = false;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) { res.write(chunk); return; }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    headersSent = true;
    res.write(head.subarray(end + 4));
  });
  child.on('close', (code: number | null) => {
    if (!headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(`git http-backend exited ${String(code)}: ${stderr}`);
    else res.end();
  });
  child.on('error', (error) => { if (!headersSent) res.writeHead(500).end(String(error)); });
}
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
});
