// The builder's events in the classic builder's words, for POST /build's stream: a line per
// Dockerfile instruction ("Step 2/5 : RUN make"), what a RUN prints, " ---> Using cache" for a
// cached step, " ---> <image>" after each step, and warnings as "[Warning] …".
import { StringDecoder } from 'node:string_decoder';
import type { BuildEvent, RunFailure } from '../../engine/index.ts';

export function renderClassicBuild(out: (text: string) => void): (e: BuildEvent) => void {
  const decoder = new StringDecoder('utf8');
  let atLineStart = true;
  // Output that did not end its last line must not run into the builder's own lines.
  const line = (text: string): void => {
    if (!atLineStart) out('\n');
    out(text);
    atLineStart = true;
  };
  return (e) => {
    switch (e.type) {
      case 'instruction':
        line(`Step ${e.step}/${e.total} : ${e.text}\n`);
        break;
      case 'log': {
        const text = decoder.write(e.data);
        if (text) {
          out(text);
          atLineStart = text.endsWith('\n');
        }
        break;
      }
      case 'cached':
        line(' ---> Using cache\n');
        break;
      case 'instruction-done':
        if (e.image) {
          const rest = decoder.end();
          if (rest) {
            out(rest);
            atLineStart = rest.endsWith('\n');
          }
          // A step that changed only the config shows the image it stands on (berth folds such steps into the next image).
          line(` ---> ${e.image.replace(/^sha256:/, '').slice(0, 12)}\n`);
        }
        break;
      case 'warning':
        line(`[Warning] ${e.text}\n`);
        break;
      default:
        break; // BuildKit's vertex view: the classic builder has no words for it
    }
  };
}

/** The failed RUN behind a build error, if that is what failed (it may be the cause of a wrapping error). */
export function runFailureOf(err: unknown): RunFailure | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const r = (e as { runFailure?: RunFailure }).runFailure;
    if (r) return r;
  }
  return undefined;
}
