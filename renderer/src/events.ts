import { useEffect, useRef, useSyncExternalStore } from 'react';
import { getToken } from './auth';
import type { ServerEvent } from './api-types';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

const MAX_BACKOFF_MS = 15_000;

/**
 * One `WS /api/events` connection for the whole page, shared by every view that listens. The
 * token goes in the subprotocol list (a browser cannot set headers on a WebSocket). It
 * reconnects with capped exponential backoff and jitter, e.g. after the gateway drops a slow
 * client with 1013 or restarts, and closes when the last listener leaves.
 */
class EventStream {
  private ws: WebSocket | null = null;
  private timer: number | undefined;
  private attempt = 0;
  private readonly listeners = new Set<(ev: ServerEvent) => void>();
  private readonly watchers = new Set<() => void>();
  state: LiveState = 'connecting';

  listen(fn: (ev: ServerEvent) => void): () => void {
    this.listeners.add(fn);
    if (this.listeners.size === 1) this.connect();
    return () => {
      this.listeners.delete(fn);
      if (this.listeners.size === 0) this.stop();
    };
  }

  watch = (fn: () => void): (() => void) => {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  };

  private setState(state: LiveState): void {
    this.state = state;
    for (const w of this.watchers) w();
  }

  private connect(): void {
    const token = getToken();
    if (!token) return;
    const ws = new WebSocket(`${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/api/events`, ['gatehouse.v1', `bearer.${token}`]);
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setState('live');
    };
    ws.onmessage = (msg) => {
      if (typeof msg.data !== 'string') return;
      let ev: ServerEvent;
      try {
        ev = JSON.parse(msg.data) as ServerEvent;
      } catch {
        return; // A frame that is not JSON is not ours to show.
      }
      for (const fn of this.listeners) fn(ev);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setState('reconnecting');
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt++) * (0.75 + Math.random() / 2);
      this.timer = window.setTimeout(() => this.connect(), delay);
    };
  }

  private stop(): void {
    window.clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = null;
    ws?.close();
    this.attempt = 0;
    this.setState('connecting');
  }
}

const stream = new EventStream();

/** Calls `onEvent` for each server event while the component is mounted. */
export function useEvents(onEvent: (ev: ServerEvent) => void): void {
  const handler = useRef(onEvent);
  useEffect(() => {
    handler.current = onEvent;
  });
  useEffect(() => stream.listen((ev) => handler.current(ev)), []);
}

/** The shared connection's state, for the header and the list's polling fallback. */
export function useLiveState(): LiveState {
  return useSyncExternalStore(stream.watch, () => stream.state);
}
