import { useState, type ReactNode } from 'react';

/** Characters shown of one text at first, and added per "show more": a 30 MB prompt must not freeze the tab. */
export const CLIP_CHARS = 20_000;
const MORE_CHARS = 200_000;

const kb = (n: number) => `${Math.round(n / 1024).toLocaleString('en-US')} KB`;

/**
 * Renders only the start of a long text; the rest comes in steps on request. The browser lays
 * out what is in the DOM, so a text never shown costs nothing but the string.
 */
export function Clipped({ text, render }: { text: string; render: (shown: string) => ReactNode }) {
  const [shown, setShown] = useState(CLIP_CHARS);
  if (text.length <= shown) return <>{render(text)}</>;
  return (
    <>
      {render(text.slice(0, shown))}
      <p className="clip-note" data-testid="clip-note">
        … showing {kb(shown)} of {kb(text.length)}.{' '}
        <button type="button" onClick={() => setShown((n) => n + MORE_CHARS)} data-testid="show-more">
          Show {kb(Math.min(MORE_CHARS, text.length - shown))} more
        </button>
      </p>
    </>
  );
}
