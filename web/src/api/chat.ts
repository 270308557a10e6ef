/**
 * The chat routes and WebSocket events of spec/chat.md, in openapi-typescript's shape, until
 * chalicelib/openapi.json documents them (then `npm run api` brings them and this file goes).
 */

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
export interface MapAttachment {
  kind: 'map';
  title?: string;
  artifact?: string;
  analysis_id?: string;
  url?: string;
  map_kind?: string;
  variable?: string;
  method?: string;
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
  name?: string;
  title?: string;
  url?: string;
  artifact?: string;
  analysis_id?: string;
}
export interface OptionsAttachment {
  kind: 'options';
  options: (string | { label?: string; value?: string })[];
}
export type Attachment = TableAttachment | MapAttachment | PlanAttachment | DownloadAttachment | OptionsAttachment;

export interface ChatMessage {
  message_id: string;
  turn_id?: string | null;
  role: 'user' | 'assistant';
  text: string;
  status?: 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED' | null;
  created_at: string;
  tool_calls?: ToolStep[];
  attachments?: Attachment[];
}

export interface Conversation {
  conversation_id: string;
  title: string | null;
  dataset_id: string | null;
  analysis_id: string | null;
  created_at: string;
}

export interface ConversationDetail extends Conversation {
  messages: ChatMessage[];
  next_token?: string | null;
}

export interface MessageQueued {
  message_id: string;
  turn_id: string;
  status: 'QUEUED';
}

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
  message?: ChatMessage | string;
  analysis_id?: string;
  stage?: string;
  progress?: number;
  code?: string;
}

interface Json<T> {
  headers: Record<string, unknown>;
  content: { 'application/json': T };
}
interface NoBody {
  headers: Record<string, unknown>;
  content?: never;
}
type Params<P> = { query?: never; header?: never; path: P; cookie?: never };
type NoParams = { query?: never; header?: never; path?: never; cookie?: never };

export interface ChatPaths {
  '/conversations': {
    parameters: NoParams;
    get: {
      parameters: { query?: { limit?: number; next_token?: string }; header?: never; path?: never; cookie?: never };
      requestBody?: never;
      responses: { 200: Json<{ items: Conversation[]; next_token: string | null }> };
    };
    post: {
      parameters: NoParams;
      requestBody: { content: { 'application/json': { title?: string; dataset_id?: string } } };
      responses: { 201: Json<Conversation> };
    };
  };
  '/conversations/{conversation_id}': {
    parameters: Params<{ conversation_id: string }>;
    get: {
      parameters: {
        query?: { next_token?: string };
        header?: never;
        path: { conversation_id: string };
        cookie?: never;
      };
      requestBody?: never;
      responses: { 200: Json<ConversationDetail> };
    };
    delete: {
      parameters: Params<{ conversation_id: string }>;
      requestBody?: never;
      responses: { 204: NoBody };
    };
  };
  '/conversations/{conversation_id}/messages': {
    parameters: Params<{ conversation_id: string }>;
    post: {
      parameters: Params<{ conversation_id: string }>;
      requestBody: { content: { 'application/json': { text: string; client_message_id?: string } } };
      responses: { 202: Json<MessageQueued> };
    };
  };
}
