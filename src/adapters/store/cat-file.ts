// A long-lived `git cat-file --batch` process: reads objects, refs and <commit>:<path> without a spawn each.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';
import { IdeaMineError, ErrorCode } from '../../core/errors.js';
import { SAFE_CONFIG, type GitContext } from './git-exec.js';

export interface GitObject {
  readonly oid: string;
  readonly type: string;
  readonly content: Buffer;
}

interface Pending {
  readonly name: string;
  resolve(value: GitObject | null): void;
  reject(error: Error): void;
}

/** Pipes keep the event loop alive only while a request is outstanding, so a forgotten close() cannot hang exit. */
function setRef(stream: unknown, on: boolean): void {
  const socket = stream as Partial<Socket>;
  if (on) socket.ref?.();
  else socket.unref?.();
}

export class CatFile {
  private child: ChildProcessWithoutNullStreams | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private queue: Pending[] = [];

  constructor(private readonly ctx: GitContext) {}

  /** Looks names up in one round trip; a missing name (or a bad one, like "<commit>:") maps to null. */
  async get(names: readonly string[]): Promise<(GitObject | null)[]> {
    for (const name of names) {
      if (/[\n\r]/.test(name)) throw new IdeaMineError(ErrorCode.internal, `cat-file: object name with a line break: ${JSON.stringify(name)}`);
    }
    if (names.length === 0) return [];
    const child = this.process();
    const results = names.map(
      (name) => new Promise<GitObject | null>((resolve, reject) => this.queue.push({ name, resolve, reject })),
    );
    this.refs(true);
    child.stdin.write(names.map((name) => `${name}\n`).join(''));
    return Promise.all(results);
  }

  close(): void {
    const child = this.child;
    this.child = null;
    if (child) {
      child.stdin.end();
      child.kill();
    }
    this.fail(new IdeaMineError(ErrorCode.internal, 'cat-file: the store was closed'));
  }

  private process(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn('git', [...SAFE_CONFIG, 'cat-file', '--batch'], { cwd: this.ctx.cwd, env: this.ctx.env, stdio: 'pipe' });
    this.child = child;
    this.buffer = Buffer.alloc(0);
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => undefined);
    const gone = (why: string): void => {
      if (this.child !== child) return;
      this.child = null;
      this.fail(new IdeaMineError(ErrorCode.internal, `git cat-file --batch ${why}: ${Buffer.concat(stderr).toString('utf8').trim()}`));
    };
    child.on('error', (error) => gone(`could not run (${error.message})`));
    child.on('close', (code) => gone(`exited with ${code ?? 'a signal'}`));
    child.unref();
    setRef(child.stderr, false);
    return child;
  }

  private refs(on: boolean): void {
    if (!this.child) return;
    setRef(this.child.stdin, on);
    setRef(this.child.stdout, on);
  }

  private fail(error: Error): void {
    const queue = this.queue;
    this.queue = [];
    for (const pending of queue) pending.reject(error);
  }

  // Responses: "<oid> <type> <size>\n<content>\n", or "<name> missing\n" / "<name> ambiguous\n".
  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const pending = this.queue[0];
      if (!pending) return;
      const eol = this.buffer.indexOf(10);
      if (eol < 0) return;
      const header = this.buffer.subarray(0, eol).toString('utf8');
      const match = /^([0-9a-f]{40,64}) (\w+) (\d+)$/.exec(header);
      if (!match) {
        this.buffer = this.buffer.subarray(eol + 1);
        this.queue.shift();
        pending.resolve(null);
      } else {
        const size = Number(match[3]);
        if (this.buffer.length < eol + 1 + size + 1) return;
        const content = Buffer.from(this.buffer.subarray(eol + 1, eol + 1 + size));
        this.buffer = this.buffer.subarray(eol + 1 + size + 1);
        this.queue.shift();
        pending.resolve({ oid: match[1] ?? '', type: match[2] ?? '', content });
      }
      if (this.queue.length === 0) this.refs(false);
    }
  }
}
