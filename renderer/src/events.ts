import { useEffect, useRef, useState } from 'react';
import { getToken } from './auth';
import type { ServerEvent } from './api-types';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

const MAX_BACKOFF_MS = 15_000;

/**
 * `WS /api/events` with the token in the subprotocol list (a browser cannot set headers on a
 * WebSocket). Reconnects with capped exponential backoff and jitter, e.g. after the gateway
 * drops a slow client with 1013 or restarts.
 */
export function useEvents(onEvent: (ev: ServerEvent) => void): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;

  useEffect(() => {
    let ws: WebSocket | null = null;
    let timer: number | undefined;
    let attempt = 0;
    let stopped = false;

    const connect = () => {
      const token = getToken();
      if (!token || stopped) return;
      const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api/events`;
      ws = new WebSocket(url, ['gatehouse.v1', `bearer.${token}`]);
      ws.onopen = () => {
        attempt = 0;
        setState('live');
      };
      ws.onmessage = (msg) => {
        if (typeof msg.data !== 'string') return;
        try {
          handler.current(JSON.parse(msg.data) as ServerEvent);
        } catch {
          // A frame that is not JSON is not ours to show.
        }
      };
      ws.onclose = () => {
        if (stopped) return;
        setState('reconnecting');
        const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt++) * (0.75 + Math.random() / 2);
        timer = window.setTimeout(connect, delay);
      };
    };
    connect();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      ws?.close();
    };
  }, []);
  return state;
}
