import { z } from 'zod';
import { IPC } from '../ipc-contract.js';
import { EnrollArgsSchema, type EnrollReply } from './enrollment.js';
import { SetKeyArgsSchema, type SetKeyReply } from './keys.js';
import { NotificationKindSchema, type NotificationKind } from './notifications.js';
import { isSafeExternal, isTrustedSender } from './window-security.js';

/** Who sent an IPC message, as the adapter reads it from Electron's event (`event.senderFrame`). */
export interface IpcSender {
  url: string | undefined;
  isTopFrame: boolean;
}

/** What the handlers act on; the adapter gives Electron's clipboard/shell/settings behind it. */
export interface IpcServices {
  gatewayUrl(): string | null;
  token(): string | null;
  openExternal(url: string): Promise<void>;
  notifications(): Record<NotificationKind, boolean>;
  setNotification(kind: NotificationKind, enabled: boolean): void;
  enroll(central: string, pat: string): Promise<EnrollReply>;
  setKey(name: string, value: string): Promise<SetKeyReply>;
}

/** A refused IPC call: the renderer sees the code and the sentence, never a stack. */
export class IpcError extends Error {
  constructor(
    readonly code: 'GH_ERR_IPC_SENDER' | 'GH_ERR_IPC_ARGS',
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

interface Handler<S extends z.ZodType> {
  channel: string;
  /** `sync`: answered with `event.returnValue` (ipcRenderer.sendSync); else `ipcMain.handle`. */
  sync: boolean;
  args: S;
  run(args: z.infer<S>, services: IpcServices): unknown;
}

const handler = <S extends z.ZodType>(h: Handler<S>) => h;

const None = z.tuple([]);

/** Every IPC method main answers, with the schema of its arguments: the one list the adapter registers. */
export const IPC_HANDLERS = [
  handler({ channel: IPC.token, sync: true, args: None, run: (_a, s) => s.token() }),
  handler({
    channel: IPC.openExternal,
    sync: false,
    args: z.tuple([z.string().max(2048).refine(isSafeExternal, 'an http(s) URL without credentials')]),
    run: ([url], s) => s.openExternal(url),
  }),
  handler({ channel: IPC.getNotifications, sync: false, args: None, run: (_a, s) => s.notifications() }),
  handler({
    channel: IPC.setNotification,
    sync: false,
    args: z.tuple([NotificationKindSchema, z.boolean()]),
    run: ([kind, on], s) => s.setNotification(kind, on),
  }),
  handler({ channel: IPC.enroll, sync: false, args: EnrollArgsSchema, run: ([central, pat], s) => s.enroll(central, pat) }),
  handler({ channel: IPC.setKey, sync: false, args: SetKeyArgsSchema, run: ([name, value], s) => s.setKey(name, value) }),
] as const;

/**
 * Runs one IPC call: the sender must be the dashboard's top frame on the gateway the app runs,
 * and the arguments must parse, before anything happens. Both refusals are coded errors.
 */
export function dispatchIpc(h: (typeof IPC_HANDLERS)[number], sender: IpcSender, args: unknown[], services: IpcServices): unknown {
  if (!isTrustedSender(sender.url, sender.isTopFrame, services.gatewayUrl())) {
    throw new IpcError('GH_ERR_IPC_SENDER', `${h.channel} refused: only the dashboard's own page may call it, not ${sender.url ?? 'an unknown frame'}.`);
  }
  const parsed = h.args.safeParse(args);
  if (!parsed.success) {
    throw new IpcError('GH_ERR_IPC_ARGS', `${h.channel} refused: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ')}.`);
  }
  return (h.run as (a: unknown, s: IpcServices) => unknown)(parsed.data, services);
}
