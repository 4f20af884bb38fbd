/**
 * Work a source has started but not finished (a dead letter being written, a
 * request being answered), so that `stop()` can wait for it before the store
 * behind it closes.
 */
export class PendingWork {
  private readonly work = new Set<Promise<void>>();

  /** Track `work` until it settles. */
  add(work: Promise<void>): void {
    this.work.add(work);
    void work.finally(() => this.work.delete(work));
  }

  /** Resolves once all work tracked now has resolved; rejects as `Promise.all` does. */
  async settled(): Promise<void> {
    await Promise.all(this.work);
  }
}
