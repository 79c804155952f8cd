// OpenTelemetry adapter: spans exported over OTLP/HTTP (JSON); loaded only when an endpoint is set.
// The light SDK set (sdk-trace-base + exporter) instead of sdk-node: ~185 ms less to import (TOOLCHAIN.md).
import { AsyncLocalStorage } from 'node:async_hooks';
import { context as otelContext, trace, SpanStatusCode, type Context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Attributes, Span, Telemetry } from '../../ports/telemetry.js';

export interface OtelOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly scrub: (text: string) => string;
  readonly serviceName?: string;
}

const clean = (attributes: Attributes, scrub: (t: string) => string): Record<string, string | number | boolean> => {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    out[key] = typeof value === 'string' ? scrub(value) : value;
  }
  return out;
};

export function createOtelTelemetry(options: OtelOptions): Telemetry {
  const base = options.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? `${(options.env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? '').replace(/\/$/, '')}/v1/traces`;
  const exporter = new OTLPTraceExporter({ url: base });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.env['OTEL_SERVICE_NAME'] ?? options.serviceName ?? 'ideamine' }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 500 })],
  });
  const tracer = provider.getTracer('ideamine');
  // Parent spans travel with the async call chain, so concurrent phases and tasks nest correctly.
  const current = new AsyncLocalStorage<Context>();
  return {
    async span<T>(name: string, attributes: Attributes, body: (span: Span) => Promise<T>): Promise<T> {
      const parent = current.getStore() ?? otelContext.active();
      const otelSpan = tracer.startSpan(name, { attributes: clean(attributes, options.scrub) }, parent);
      const span: Span = {
        setAttributes: (more) => otelSpan.setAttributes(clean(more, options.scrub)),
        fail: (error) => {
          otelSpan.setStatus({ code: SpanStatusCode.ERROR, message: options.scrub(error instanceof Error ? error.message : String(error)) });
        },
        end: () => otelSpan.end(),
      };
      try {
        return await current.run(trace.setSpan(parent, otelSpan), () => body(span));
      } catch (error) {
        span.fail(error);
        throw error;
      } finally {
        otelSpan.end();
      }
    },
    async shutdown() {
      await provider.forceFlush();
      await provider.shutdown();
    },
  };
}
