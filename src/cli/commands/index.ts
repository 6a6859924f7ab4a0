// The command table. Modules load lazily so that start-up costs only what the command uses.
import type { Command } from '../command.ts';

export interface CommandEntry {
  /** The canonical path and its aliases: [['image', 'ls'], ['images'], ['image', 'list']]. */
  paths: string[][];
  summary: string;
  /** Shown in the top-level help's common list. */
  common?: boolean;
  /** Left out of help (internal commands). */
  hidden?: boolean;
  load: () => Promise<{ command: Command }>;
}

export const commands: CommandEntry[] = [
  { paths: [['image', 'ls'], ['images'], ['image', 'list']], summary: 'List images', common: true, load: () => import('./image/ls.ts') },
  { paths: [['image', 'inspect']], summary: 'Display detailed information on one or more images', load: () => import('./image/inspect.ts') },
  { paths: [['inspect']], summary: 'Return low-level information on berth objects', load: () => import('./image/inspect.ts') },
  { paths: [['image', 'tag'], ['tag']], summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', load: () => import('./image/tag.ts') },
  { paths: [['image', 'rm'], ['rmi'], ['image', 'remove']], summary: 'Remove one or more images', load: () => import('./image/rm.ts') },
  { paths: [['image', 'history'], ['history']], summary: 'Show the history of an image', load: () => import('./image/history.ts') },
  { paths: [['image', 'prune']], summary: 'Remove unused images', load: () => import('./image/prune.ts') },
  { paths: [['image', 'import'], ['import']], summary: 'Import the contents from a tarball to create a filesystem image', load: () => import('./image/import.ts') },
  { paths: [['image', 'load'], ['load']], summary: 'Load an image from a tar archive or STDIN', load: () => import('./image/load.ts') },
  { paths: [['image', 'save'], ['save']], summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)', load: () => import('./image/save.ts') },
  { paths: [['image', 'pull'], ['pull']], summary: 'Download an image from a registry', common: true, load: () => import('./registry/pull.ts') },
  { paths: [['image', 'push'], ['push']], summary: 'Upload an image to a registry', common: true, load: () => import('./registry/push.ts') },
  { paths: [['image', 'build'], ['build'], ['builder', 'build']], summary: 'Build an image from a Dockerfile', common: true, load: () => import('./image/build.ts') },
  { paths: [['builder', 'prune']], summary: 'Remove build cache', load: () => import('./image/builder-prune.ts') },
  { paths: [['image', 'copy']], summary: 'Copy an image between registries, OCI layouts, archives and the store', load: () => import('./image/copy.ts') },
  { paths: [['image', 'tags']], summary: "List a registry repository's tags", load: () => import('./image/tags.ts') },
  { paths: [['manifest', 'create']], summary: 'Create a local manifest list for annotating and pushing to a registry', load: () => import('./manifest/create.ts') },
  { paths: [['manifest', 'add']], summary: 'Add an image to a manifest list', load: () => import('./manifest/add.ts') },
  { paths: [['manifest', 'annotate']], summary: 'Add additional information to a local image manifest', load: () => import('./manifest/annotate.ts') },
  { paths: [['manifest', 'inspect']], summary: 'Display an image manifest, or manifest list', load: () => import('./manifest/inspect.ts') },
  { paths: [['manifest', 'rm']], summary: 'Delete one or more manifest lists from local storage', load: () => import('./manifest/rm.ts') },
  { paths: [['manifest', 'push']], summary: 'Push a manifest list to a repository', load: () => import('./manifest/push.ts') },
  { paths: [['registry', 'serve']], summary: 'Serve an OCI distribution registry', load: () => import('./registry/serve.ts') },
  { paths: [['registry', 'gc']], summary: "Remove blobs that no manifest of the registry's storage needs", load: () => import('./registry/gc.ts') },
  { paths: [['registry', 'check']], summary: "Verify the registry's storage: blob digests, links and tags", load: () => import('./registry/check.ts') },
  { paths: [['login']], summary: 'Log in to a registry', common: true, load: () => import('./registry/login.ts') },
  { paths: [['logout']], summary: 'Log out from a registry', common: true, load: () => import('./registry/logout.ts') },
  { paths: [['container', 'run'], ['run']], summary: 'Create and run a new container from an image', common: true, load: () => import('./container/run.ts') },
  { paths: [['container', 'create'], ['create']], summary: 'Create a new container', load: () => import('./container/create.ts') },
  { paths: [['container', 'start'], ['start']], summary: 'Start one or more stopped containers', load: () => import('./container/start.ts') },
  { paths: [['container', 'ls'], ['ps'], ['container', 'list'], ['container', 'ps']], summary: 'List containers', common: true, load: () => import('./container/ps.ts') },
  { paths: [['container', 'logs'], ['logs']], summary: 'Fetch the logs of a container', load: () => import('./container/logs.ts') },
  { paths: [['container', 'stop'], ['stop']], summary: 'Stop one or more running containers', load: () => import('./container/stop.ts') },
  { paths: [['container', 'kill'], ['kill']], summary: 'Kill one or more running containers', load: () => import('./container/kill.ts') },
  { paths: [['container', 'rm'], ['rm'], ['container', 'remove']], summary: 'Remove one or more containers', load: () => import('./container/rm.ts') },
  { paths: [['container', 'wait'], ['wait']], summary: 'Block until one or more containers stop, then print their exit codes', load: () => import('./container/wait.ts') },
  { paths: [['container', 'inspect']], summary: 'Display detailed information on one or more containers', load: () => import('./image/inspect.ts') },
  { paths: [['container', 'port'], ['port']], summary: 'List port mappings or a specific mapping for the container', load: () => import('./container/port.ts') },
  { paths: [['container', 'top'], ['top']], summary: 'Display the running processes of a container', load: () => import('./container/top.ts') },
  { paths: [['container', 'stats'], ['stats']], summary: 'Display a live stream of container(s) resource usage statistics', load: () => import('./container/stats.ts') },
  { paths: [['container', 'cp'], ['cp']], summary: 'Copy files/folders between a container and the local filesystem', load: () => import('./container/cp.ts') },
  { paths: [['container', 'diff'], ['diff']], summary: "Inspect changes to files or directories on a container's filesystem", load: () => import('./container/diff.ts') },
  { paths: [['container', 'export'], ['export']], summary: "Export a container's filesystem as a tar archive", load: () => import('./container/export.ts') },
  { paths: [['container', 'attach'], ['attach']], summary: "Attach local standard input, output, and error streams to a running container", load: () => import('./container/attach.ts') },
  { paths: [['container', 'commit'], ['commit']], summary: "Create a new image from a container's changes", load: () => import('./container/commit.ts') },
  { paths: [['container', 'exec'], ['exec']], summary: 'Execute a command in a running container', common: true, load: () => import('./container/exec.ts') },
  { paths: [['container', 'pause'], ['pause']], summary: 'Pause all processes within one or more containers', load: () => import('./container/pause.ts') },
  { paths: [['container', 'unpause'], ['unpause']], summary: 'Unpause all processes within one or more containers', load: () => import('./container/unpause.ts') },
  { paths: [['container', 'rename'], ['rename']], summary: 'Rename a container', load: () => import('./container/rename.ts') },
  { paths: [['container', 'restart'], ['restart']], summary: 'Restart one or more containers', load: () => import('./container/restart.ts') },
  { paths: [['container', 'update'], ['update']], summary: 'Update configuration of one or more containers', load: () => import('./container/update.ts') },
  { paths: [['container', 'prune']], summary: 'Remove all stopped containers', load: () => import('./container/prune.ts') },
  { paths: [['container', 'cleanup']], summary: 'Release what an exited container holds (run by conmon)', hidden: true, load: () => import('./container/cleanup.ts') },
  { paths: [['volume', 'create']], summary: 'Create a volume', load: () => import('./volume/create.ts') },
  { paths: [['volume', 'ls'], ['volume', 'list']], summary: 'List volumes', load: () => import('./volume/ls.ts') },
  { paths: [['volume', 'inspect']], summary: 'Display detailed information on one or more volumes', load: () => import('./volume/inspect.ts') },
  { paths: [['volume', 'rm'], ['volume', 'remove']], summary: 'Remove one or more volumes', load: () => import('./volume/rm.ts') },
  { paths: [['volume', 'prune']], summary: 'Remove unused local volumes', load: () => import('./volume/prune.ts') },
  { paths: [['network', 'create']], summary: 'Create a network', load: () => import('./network/create.ts') },
  { paths: [['network', 'ls'], ['network', 'list']], summary: 'List networks', load: () => import('./network/ls.ts') },
  { paths: [['network', 'inspect']], summary: 'Display detailed information on one or more networks', load: () => import('./network/inspect.ts') },
  { paths: [['network', 'rm'], ['network', 'remove']], summary: 'Remove one or more networks', load: () => import('./network/rm.ts') },
  { paths: [['network', 'connect']], summary: 'Connect a container to a network', load: () => import('./network/connect.ts') },
  { paths: [['network', 'disconnect']], summary: 'Disconnect a container from a network', load: () => import('./network/disconnect.ts') },
  { paths: [['network', 'prune']], summary: 'Remove all unused networks', load: () => import('./network/prune.ts') },
  { paths: [['system', 'df']], summary: 'Show berth disk usage', load: () => import('./system/df.ts') },
  { paths: [['system', 'check']], summary: 'Verify every blob, layer and reference in the store', load: () => import('./system/check.ts') },
  { paths: [['version']], summary: 'Show the berth version information', common: true, load: () => import('./system/version.ts') },
];
