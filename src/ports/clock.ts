// Clock port: time and sleeping, so tests and replays control both.
export interface Clock {
  now(): Date;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
