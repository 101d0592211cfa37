/**
 * A bounded memo of results per text, least recently used out first. IDE agents resend the
 * whole conversation every turn: remembering what a guardrail found in each long message
 * means only the new message is scanned, not 256 KiB of history again.
 */
export class TextMemo<V> {
  private readonly map = new Map<string, V>();
  private chars = 0;

  constructor(private readonly maxChars: number) {}

  get(text: string): V | undefined {
    const v = this.map.get(text);
    if (v !== undefined) {
      // Re-insert to mark it recently used (a Map iterates in insertion order).
      this.map.delete(text);
      this.map.set(text, v);
    }
    return v;
  }

  set(text: string, value: V): void {
    if (text.length > this.maxChars) return;
    if (!this.map.has(text)) this.chars += text.length;
    this.map.set(text, value);
    for (const k of this.map.keys()) {
      if (this.chars <= this.maxChars) break;
      this.map.delete(k);
      this.chars -= k.length;
    }
  }
}
