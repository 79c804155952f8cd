// Wraps a Model so each generate() is a GenAI span (OpenTelemetry GenAI semantic conventions).
// Message content is recorded only when OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true.
import type { Model } from '../ports/model.js';
import type { Telemetry } from '../ports/telemetry.js';

export function tracedModel(model: Model, telemetry: Telemetry, captureContent: boolean): Model {
  return {
    id: model.id,
    provenance: model.provenance,
    canJudge: model.canJudge,
    estimateUsd: (request) => model.estimateUsd(request),
    generate: (request, signal) =>
      telemetry.span(`chat ${model.id}`, {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': model.provenance === 'anthropic' ? 'anthropic' : `ideamine.${model.provenance}`,
        'gen_ai.request.model': model.id,
        'gen_ai.request.max_tokens': request.maxTokens,
        'gen_ai.request.temperature': request.temperature,
        'gen_ai.output.type': 'json',
        'ideamine.task_key': request.taskKey,
        ...(captureContent ? { 'gen_ai.system_instructions': request.system, 'gen_ai.input.messages': JSON.stringify(request.messages) } : {}),
      }, async (span) => {
        const result = await model.generate(request, signal);
        span.setAttributes({
          'gen_ai.usage.input_tokens': result.usage?.inputTokens,
          'gen_ai.usage.output_tokens': result.usage?.outputTokens,
          'gen_ai.usage.cache_read.input_tokens': result.usage?.cacheReadTokens,
          'gen_ai.usage.cache_creation.input_tokens': result.usage?.cacheWriteTokens,
          'ideamine.cost_usd': result.costUsd ?? undefined,
          'ideamine.attempts': result.attempts.length,
          ...(captureContent ? { 'gen_ai.output.messages': JSON.stringify(result.output) } : {}),
        });
        return result;
      }),
  };
}
