// Telemetry port: nested spans (run → phase → task → model call); a no-op when not configured.
export type Attributes = Record<string, string | number | boolean | undefined>;

export interface Span {
  setAttributes(attributes: Attributes): void;
  fail(error: unknown): void;
  end(): void;
}

export interface Telemetry {
  span<T>(name: string, attributes: Attributes, body: (span: Span) => Promise<T>): Promise<T>;
  shutdown(): Promise<void>;
}

const noopSpan: Span = { setAttributes: () => undefined, fail: () => undefined, end: () => undefined };
export const noopTelemetry: Telemetry = {
  span: (_name, _attributes, body) => body(noopSpan),
  shutdown: () => Promise.resolve(),
};
