// The builder (`berth build`): the Dockerfile parser (parse.ts: text → Nodes; commands.ts: Nodes →
// typed Commands and Stages) and the types they share (syntax.ts).
export { parseDockerfile } from './parse.ts';
export { parseDuration, toCommand, toDockerfile } from './commands.ts';
export type * from './syntax.ts';
export { build, type BuildRequest, type BuildResult, type RunFailure } from './builder.ts';
export { BuildContext, type FileDigests, type Source } from './context.ts';
export type { BuildEvent, BuildEventSink } from './events.ts';
export type { BaseImage, BuildWorker, RunStep, StepOutput, WorkingContainer } from './worker.ts';
