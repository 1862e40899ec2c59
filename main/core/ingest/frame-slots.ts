/**
 * How many photos may be decoded to full size at once: each holds a frame of width x height x 3
 * bytes (36 MB at 12 MP) from its decode until the classifier and the thumbnail have read it.
 * The other photos in flight wait here, holding only their file's bytes or their network input.
 */
export class FrameSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(slots: number) {
    this.free = Math.max(1, Math.floor(slots));
  }

  /** Resolves when a slot is free; call the returned function once the frame has been read. */
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}
