// What a build reports while it runs, in BuildKit's terms: numbered vertices (steps) that start,
// print, finish cached or done, or fail. One producer; the CLI renders them as `--progress=plain`
// text or a terminal view, the API (later) as Docker's JSON stream.

export type BuildEvent =
  /** A step starts: `#3 [build 2/4] RUN make`. */
  | { type: 'start'; vertex: number; name: string }
  /** A step's output: `#3 0.512 compiling…`. */
  | { type: 'log'; vertex: number; stream: 'stdout' | 'stderr'; data: Buffer; elapsed: number }
  /** A line about the step (`writing image sha256:…`). */
  | { type: 'status'; vertex: number; text: string }
  | { type: 'cached'; vertex: number }
  | { type: 'done'; vertex: number; seconds: number }
  | { type: 'error'; vertex: number; message: string; seconds: number }
  /** Not about one step: warnings. */
  | { type: 'warning'; text: string }
  /**
   * Every Dockerfile instruction, numbered by its place in the file (the classic builder's
   * `Step 2/5 : RUN make`), and when it is done the image the build stands on after it.
   */
  | { type: 'instruction'; step: number; total: number; text: string }
  | { type: 'instruction-done'; step: number; image?: string };

export type BuildEventSink = (e: BuildEvent) => void;

/** Numbers steps and times them for a sink. */
export class Progress {
  private next = 1;
  private readonly sink: BuildEventSink;

  constructor(sink: BuildEventSink) {
    this.sink = sink;
  }

  warn(text: string): void {
    this.sink({ type: 'warning', text });
  }

  start(name: string): Vertex {
    const vertex = this.next++;
    this.sink({ type: 'start', vertex, name });
    return new Vertex(vertex, this.sink);
  }
}

export class Vertex {
  readonly id: number;
  private readonly sink: BuildEventSink;
  private readonly began = performance.now();
  private ended = false;

  constructor(id: number, sink: BuildEventSink) {
    this.id = id;
    this.sink = sink;
  }

  private seconds(): number {
    return (performance.now() - this.began) / 1000;
  }

  log(stream: 'stdout' | 'stderr', data: Buffer): void {
    this.sink({ type: 'log', vertex: this.id, stream, data, elapsed: this.seconds() });
  }

  status(text: string): void {
    this.sink({ type: 'status', vertex: this.id, text });
  }

  cached(): void {
    if (this.ended) return;
    this.ended = true;
    this.sink({ type: 'cached', vertex: this.id });
  }

  done(): void {
    if (this.ended) return;
    this.ended = true;
    this.sink({ type: 'done', vertex: this.id, seconds: this.seconds() });
  }

  fail(message: string): void {
    if (this.ended) return;
    this.ended = true;
    this.sink({ type: 'error', vertex: this.id, message, seconds: this.seconds() });
  }
}
