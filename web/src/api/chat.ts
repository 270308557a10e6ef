/**
 * What the chat shows: the attachments of spec/chat.md by kind (the API document leaves them
 * open) and the WebSocket's chat events.
 */
import type { components } from './schema';

export interface ToolStep {
  name: string;
  input?: Record<string, unknown>;
  status: 'running' | 'ok' | 'error';
  summary?: string;
}

export interface TableAttachment {
  kind: 'table';
  title?: string;
  columns: string[];
  rows: Record<string, unknown>[];
}
/** A file of the conversation's analysis: `name` is the artifact, `url` a 5-minute link to it. */
export interface MapAttachment {
  kind: 'map';
  name: string;
  url?: string;
  title?: string;
}
export interface PlanAttachment {
  kind: 'plan';
  plan_id: string;
  analysis_id?: string;
  totals?: Record<string, unknown>;
  title?: string;
}
export interface DownloadAttachment {
  kind: 'download';
  name: string;
  url?: string;
  title?: string;
}
export interface OptionsAttachment {
  kind: 'options';
  options: (string | { label?: string; value?: string })[];
}
export type Attachment = TableAttachment | MapAttachment | PlanAttachment | DownloadAttachment | OptionsAttachment;

type ApiSchemas = components['schemas'];

/** A message as the app shows it: the API's, whose tool steps may still be running. */
export type ChatMessage = Omit<ApiSchemas['Message'], 'tool_calls' | 'attachments' | 'status'> & {
  status?: ApiSchemas['Message']['status'] | null;
  tool_calls?: ToolStep[];
  attachments?: Attachment[];
};

export type Conversation = ApiSchemas['Conversation'];

export type ConversationDetail = Omit<ApiSchemas['ConversationMessages'], 'messages'> & { messages: ChatMessage[] };

/** A chat event over the WebSocket: every connection of the owner receives them. */
export interface ChatEvent {
  type: 'chat';
  event: 'started' | 'delta' | 'tool' | 'message' | 'error';
  conversation_id: string;
  turn_id?: string | null;
  text?: string;
  name?: string;
  input?: Record<string, unknown>;
  status?: ToolStep['status'];
  summary?: string;
  /** The whole assistant message (`message` events). */
  message?: ChatMessage;
  /** What went wrong, in words (`error` events). */
  error?: string;
  message_id?: string;
  analysis_id?: string;
  stage?: string | null;
  progress?: number;
}
