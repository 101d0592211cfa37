import type { ReactNode } from 'react';

/**
 * A message written for a terminal (the gateway's errors, the CLI's advice) marks commands
 * with backticks; on a page they become code, never raw backticks. Text stays text.
 */
export function Prose({ text }: { text: string }): ReactNode {
  const parts = text.split(/`([^`]+)`/);
  if (parts.length === 1) return text;
  return parts.map((p, i) => (i % 2 === 1 ? <code key={i}>{p}</code> : p));
}
