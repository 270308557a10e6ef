/**
 * A conversation as cached, and how each chat event of the WebSocket changes it: the turn starts,
 * tool steps appear as they run, text and analysis progress stream in, the whole message ends it.
 */
import type { ChatEvent, ChatMessage, ConversationDetail, ToolStep } from '../api/chat';

/** A message as shown: the API's, plus the progress of an analysis the turn started. */
export type ShownMessage = ChatMessage & { progress?: { analysis_id: string; stage?: string; progress: number } };
export type ShownConversation = Omit<ConversationDetail, 'messages'> & { messages: ShownMessage[] };

function upsertAssistant(
  detail: ShownConversation,
  event: ChatEvent,
  change: (message: ShownMessage) => ShownMessage,
): ShownConversation {
  const index = event.turn_id ? detail.messages.findIndex((m) => m.role === 'assistant' && m.turn_id === event.turn_id) : -1;
  if (index >= 0) {
    const messages = [...detail.messages];
    messages[index] = change(messages[index]);
    return { ...detail, messages };
  }
  const placeholder: ShownMessage = {
    message_id: `pending-${event.turn_id ?? Date.now()}`,
    turn_id: event.turn_id ?? null,
    role: 'assistant',
    text: '',
    status: 'RUNNING',
    created_at: new Date().toISOString(),
    tool_calls: [],
    attachments: [],
  };
  return { ...detail, messages: [...detail.messages, change(placeholder)] };
}

function withStep(steps: ToolStep[] = [], event: ChatEvent): ToolStep[] {
  const step: ToolStep = { name: event.name ?? 'tool', input: event.input, status: event.status ?? 'running', summary: event.summary };
  const running = steps.findIndex((s) => s.name === step.name && s.status === 'running');
  if (step.status !== 'running' && running >= 0) return steps.map((s, i) => (i === running ? step : s));
  return [...steps, step];
}

export function applyChatEvent(detail: ShownConversation | undefined, event: ChatEvent): ShownConversation | undefined {
  if (!detail || detail.conversation_id !== event.conversation_id) return detail;
  switch (event.event) {
    case 'started':
      return upsertAssistant(detail, event, (m) => ({ ...m, status: 'RUNNING' }));
    case 'tool':
      return upsertAssistant(detail, event, (m) => ({ ...m, tool_calls: withStep(m.tool_calls, event) }));
    case 'delta':
      if (event.analysis_id) {
        return upsertAssistant(detail, event, (m) => ({
          ...m,
          progress: {
            analysis_id: event.analysis_id!,
            stage: event.text ?? event.stage,
            progress: Math.max(m.progress?.progress ?? 0, event.progress ?? 0),
          },
        }));
      }
      return upsertAssistant(detail, event, (m) => ({ ...m, text: m.text + (event.text ?? '') }));
    case 'message': {
      const message = typeof event.message === 'object' && event.message ? event.message : null;
      if (!message) return detail;
      const existing = detail.messages.findIndex(
        (m) => m.message_id === message.message_id || (m.role === 'assistant' && !!message.turn_id && m.turn_id === message.turn_id),
      );
      const messages = [...detail.messages];
      if (existing >= 0) messages[existing] = message;
      else messages.push(message);
      return { ...detail, messages };
    }
    case 'error': {
      const text = typeof event.message === 'string' ? event.message : (event.text ?? 'The assistant could not answer.');
      return upsertAssistant(detail, event, (m) => ({ ...m, status: 'FAILED', text: m.text || text }));
    }
    default:
      return detail;
  }
}

/** True while the assistant is still working on a turn of this conversation. */
export const isAnswering = (detail?: ShownConversation) =>
  !!detail?.messages.some((m) => m.role === 'assistant' && (m.status === 'QUEUED' || m.status === 'RUNNING'));
