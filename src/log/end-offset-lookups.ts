// Log end offsets (what a strong read waits for, what lag is measured against), fetched
// for many concurrent callers at once.
// A read must see every write acknowledged before it ARRIVED, so it may not reuse a
// lookup that was already on its way to the broker; it joins the next one instead,
// which starts as soon as the running one is answered (group commit, for reads). With
// 16 strong searches in flight this makes one or two lookups instead of sixteen.

export class EndOffsetsLookups {
  private readonly byTopic = new Map<string, { running: Promise<Map<number, bigint>> | null; next: Promise<Map<number, bigint>> | null }>();

  constructor(private readonly fetch: (topic: string) => Promise<Map<number, bigint>>) {}

  /** End offsets from a lookup that started after this call. */
  get(topic: string): Promise<Map<number, bigint>> {
    let state = this.byTopic.get(topic);
    if (!state) {
      state = { running: null, next: null };
      this.byTopic.set(topic, state);
    }
    const s = state;
    const start = (): Promise<Map<number, bigint>> => {
      const running: Promise<Map<number, bigint>> = this.fetch(topic).finally(() => {
        if (s.running === running) s.running = null;
        if (s.running === null && s.next === null) this.byTopic.delete(topic);
      });
      s.running = running;
      return running;
    };
    if (s.running === null) return start();
    s.next ??= s.running
      .catch(() => undefined)
      .then(() => {
        s.next = null;
        return start();
      });
    return s.next;
  }
}
