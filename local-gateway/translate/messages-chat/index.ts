import type { Translation } from '../types.js';
import { chatToMessagesRequest, messagesToChatResponse } from './chat-to-messages.js';
import { messagesStreamToChat } from './chat-to-messages-stream.js';
import { chatToMessagesResponse, messagesToChatRequest } from './messages-to-chat.js';
import { chatStreamToMessages } from './messages-to-chat-stream.js';

/** Anthropic Messages clients (Claude Code) on providers that speak chat completions. */
export const messagesToChat: Translation = {
  from: 'messages',
  to: 'chat.completions',
  request: messagesToChatRequest,
  response: chatToMessagesResponse,
  stream: chatStreamToMessages,
};

/** Chat completions clients (Cursor, Continue, scripts) on providers that speak Messages (Claude). */
export const chatToMessages: Translation = {
  from: 'chat.completions',
  to: 'messages',
  request: chatToMessagesRequest,
  response: messagesToChatResponse,
  stream: messagesStreamToChat,
};
