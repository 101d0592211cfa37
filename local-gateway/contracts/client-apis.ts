/**
 * The client-facing wire APIs. A provider lists the ones it speaks natively; a request in
 * another is translated (see `local-gateway/translate/`). Each one's surface (how its
 * request, answer and stream are read) is in `local-gateway/apis/`.
 */
export const CLIENT_APIS = ['chat.completions', 'responses', 'messages', 'messages.count_tokens', 'embeddings', 'models'] as const;
export type ClientApi = (typeof CLIENT_APIS)[number];
