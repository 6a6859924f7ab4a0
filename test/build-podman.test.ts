// An optional comparison of `berth build` with `podman build`: a corpus of Dockerfiles built by
// both over the same base image (berth's busybox, saved by berth and loaded by podman, so both start
// from the same image ID), then the image configs and the file lists of the resulting root
// filesystems compared. Docker (BuildKit) is the reference: where podman knowingly deviates from it,
// the difference is normalised below with the reason; any other difference fails the subtest.
// Skipped when podman is not installed. podman keeps its whole state under a temporary directory
// (vfs storage: no mounts, plain directories) and runs no container: RUN steps use chroot isolation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { berth, ok, rootWithBusybox, run, tempDir, type RunResult } from './helpers.ts';

/** A context file: its content, and optionally its mode and owner; or a symlink; or an empty directory. */
type ContextEntry = string | { content: string; mode?: number; owner?: [number, number] } | { symlink: string } | { dir: true; mode?: number };

interface Case {
  name: string;
  files: Record<string, ContextEntry>;
  /** Modes of directories the files above create (applied after all files are written). */
  dirModes?: Record<string, number>;
  buildArgs?: Record<string, string>;
  target?: string;
  /** Compare the root filesystems too (not only the config). */
  compareFiles: boolean;
  /** What Docker gives, checked on both sides: config fields (after normalisation)… */
  expectConfig?: Record<string, unknown>;
  /** …and file list entries (null: absent), so that the two agreeing is not all that is checked. */
  expectFiles?: Record<string, string | null>;
}

const sha = (content: string): string => createHash('sha256').update(content).digest('hex');
const passwd = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n';

/**
 * Differences found in berth's behaviour and not yet fixed: `case/aspect` → reason; the subtest is
 * marked todo while one stands. (Found and fixed: WORKDIR owned by USER, COPY's destination
 * directories 0755 with --chown's owner, an existing destination's metadata left alone.)
 */
const todo: Record<string, string> = {};

// 1. The configuration instructions, with ARG and ENV substitution.
const configCase: Case = {
  name: 'config',
  compareFiles: true,
  expectConfig: {
    User: '65534:65534',
    Env: [
      'PATH=/srv/app/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'APP_HOME=/srv/app', 'APP_VERSION=2.5', 'QUOTED=two words', 'FROM_EMPTY=fallback',
    ],
    Cmd: ['sh', '-c', 'echo $APP_VERSION'],
    WorkingDir: '/srv/app/other',
    Labels: { 'org.example.title': 'config case', 'org.example.version': '2.5', 'multi.word': 'a b c', 'empty': '' },
    ExposedPorts: { '8080/tcp': {}, '53/udp': {}, '9000/tcp': {}, '7000/tcp': {}, '7001/tcp': {}, '7002/tcp': {} },
    Volumes: { '/data': {}, '/var/log/app': {}, '/cache': {} },
    StopSignal: 'SIGUSR1',
  },
  expectFiles: { '/srv/app/sub': 'dir 0755 0:0', '/srv/app/other': 'dir 0755 0:0' },
  buildArgs: { VERSION: '2.5' },
  files: {
    Dockerfile: [
      'FROM busybox',
      'ARG VERSION=1.0',
      'ARG EMPTY',
      'ENV APP_HOME=/srv/app \\',
      '    APP_VERSION=${VERSION} \\',
      '    QUOTED="two words" \\',
      '    FROM_EMPTY=${EMPTY:-fallback}',
      'ENV PATH=$APP_HOME/bin:$PATH',
      'LABEL org.example.title="config case" org.example.version=$VERSION',
      'LABEL "multi.word"="a b c" empty=""',
      'WORKDIR $APP_HOME',
      'WORKDIR sub',
      'WORKDIR ../other',
      'EXPOSE 8080 53/udp 9000/tcp',
      'EXPOSE 7000-7002',
      'VOLUME ["/data", "/var/log/app"]',
      'VOLUME /cache',
      'STOPSIGNAL SIGUSR1',
      'USER 65534:65534',
      'CMD ["sh", "-c", "echo $APP_VERSION"]',
      '',
    ].join('\n'),
  },
};

// 2. WORKDIR creates its directory (and missing parents) owned by the USER in effect, as BuildKit
// does (dispatchWorkdir: llb.Mkdir with llb.WithUser(d.image.Config.User)).
const workdirCase: Case = {
  name: 'workdir-owner',
  compareFiles: true,
  expectFiles: { '/home/user-owned': 'dir 0755 65534:65534', '/home/user-owned/deeper': 'dir 0755 65534:65534', '/root-owned': 'dir 0755 0:0' },
  files: {
    Dockerfile: [
      'FROM busybox',
      'USER 65534:65534',
      'WORKDIR /home/user-owned/deeper',
      'USER root',
      'WORKDIR /root-owned',
      '',
    ].join('\n'),
  },
};

// The context files COPY takes in the next two cases.
const copyContext: Record<string, ContextEntry> = {
  // A context file owned by someone else: COPY without --chown gives root.
  'file.txt': { content: 'file\n', mode: 0o644, owner: [1234, 1234] },
  'script.sh': { content: '#!/bin/sh\necho script\n', mode: 0o755 },
  'secret.key': { content: 'key\n', mode: 0o600 },
  'one.cfg': '1\n',
  'two.cfg': '2\n',
  'dir/a.txt': { content: 'a\n', mode: 0o664 },
  'dir/nested/b.txt': 'b\n',
  'dir/link': { symlink: 'a.txt' },
  'dir/empty': { dir: true, mode: 0o700 },
};
const copyDirModes = { dir: 0o750, 'dir/nested': 0o711 };

// 3. COPY of files: renamed, into a directory (trailing slash), several, wildcards, a symlink,
// --chown by ID and by name, --chmod, relative to WORKDIR, under a USER (which COPY ignores).
const copyFilesCase: Case = {
  name: 'copy-files',
  compareFiles: true,
  expectFiles: {
    '/file-renamed': `file 0644 0:0 sha256:${sha('file\n')}`,
    '/into': 'dir 0755 0:0',
    '/into/file.txt': `file 0644 0:0 sha256:${sha('file\n')}`,
    '/several/script.sh': `file 0755 0:0 sha256:${sha('#!/bin/sh\necho script\n')}`,
    '/several/secret.key': `file 0600 1:2 sha256:${sha('key\n')}`,
    '/cfg/two.cfg': `file 0644 0:0 sha256:${sha('2\n')}`,
    // A symlink named as the source is followed (BuildKit's COPY: FollowSymlinks).
    '/copied-link': `file 0664 0:0 sha256:${sha('a\n')}`,
    '/named-owner.txt': `file 0644 65534:65534 sha256:${sha('file\n')}`,
    '/user-only-name.txt': `file 0644 65534:65534 sha256:${sha('file\n')}`,
    '/restricted.sh': `file 0640 0:0 sha256:${sha('#!/bin/sh\necho script\n')}`,
    '/work/relative/file.txt': `file 0644 0:0 sha256:${sha('file\n')}`,
    '/work/file.txt': `file 0644 0:0 sha256:${sha('file\n')}`,
    '/as-user.txt': `file 0644 0:0 sha256:${sha('file\n')}`,
  },
  files: {
    'Dockerfile': [
      'FROM busybox',
      'COPY file.txt /file-renamed',
      'COPY file.txt /into/',
      'COPY file.txt script.sh secret.key /several/',
      'COPY *.cfg /cfg/',
      'COPY dir/link /copied-link',
      'COPY --chown=65534:65534 file.txt /numeric-owner.txt',
      'COPY --chown=nobody:nogroup file.txt /named-owner.txt',
      'COPY --chown=nobody file.txt /user-only-name.txt',
      'COPY --chown=123 file.txt /uid-only.txt',
      'COPY --chmod=0640 script.sh /restricted.sh',
      'COPY --chown=1:2 --chmod=600 file.txt secret.key /several/',
      'WORKDIR /work',
      'COPY file.txt relative/',
      'COPY file.txt .',
      'USER nobody',
      'COPY file.txt /as-user.txt',
      '',
    ].join('\n'),
    ...copyContext,
  },
  dirModes: copyDirModes,
};

// 4. COPY of directories: the contents copied (with or without a trailing slash) into a new
// destination, which BuildKit creates with mode 0755 (fsutil's copy: MkdirAll(dest, 0755) before the
// contents, the source directory's own mode not applied), into an existing one (/etc), whose mode
// and owner BuildKit keeps; --chmod applies to what is copied, not to the destination it created.
const copyDirsCase: Case = {
  name: 'copy-directories',
  compareFiles: true,
  expectFiles: {
    '/dir-contents': 'dir 0755 0:0',
    '/dir-contents/a.txt': `file 0664 0:0 sha256:${sha('a\n')}`,
    '/dir-contents/nested': 'dir 0711 0:0',
    '/dir-contents/empty': 'dir 0700 0:0',
    '/dir-contents/link': 'symlink 0777 0:0 -> a.txt',
    '/dir-slash': 'dir 0755 0:0',
    '/etc': 'dir 0755 0:0',
    '/etc/a.txt': `file 0664 0:0 sha256:${sha('a\n')}`,
    '/etc/nested-into-new': 'dir 0755 0:0',
    '/etc/nested-into-new/b.txt': `file 0644 0:0 sha256:${sha('b\n')}`,
    '/chmod-700': 'dir 0755 0:0',
    '/chmod-700/a.txt': `file 0700 0:0 sha256:${sha('a\n')}`,
    '/chmod-700/nested': 'dir 0700 0:0',
  },
  files: {
    'Dockerfile': [
      'FROM busybox',
      'COPY dir /dir-contents',
      'COPY dir/ /dir-slash/',
      'COPY dir /etc/',
      'COPY dir/nested /etc/nested-into-new',
      'COPY --chmod=755 dir /chmod-755/',
      'COPY --chmod=0700 dir /chmod-700/',
      '',
    ].join('\n'),
    ...copyContext,
  },
  dirModes: copyDirModes,
};

// 5. COPY --chown and the directories COPY creates: BuildKit gives the owner to the missing
// parents and the destination directory it makes too (fsutil's MkdirAll chowns each directory it
// creates), not only to what is copied. Sources whose modes are the defaults, so that only owners
// are in question.
const copyChownCase: Case = {
  name: 'copy-chown-created-dirs',
  compareFiles: true,
  expectFiles: {
    '/chowned-parent': 'dir 0755 1:2',
    '/chowned-parent/file.txt': `file 0644 1:2 sha256:${sha('file\n')}`,
    '/owned': 'dir 0755 65534:65534',
    '/owned/deep': 'dir 0755 65534:65534',
    '/a': 'dir 0755 7:7',
    '/a/b': 'dir 0755 7:7',
    '/a/b/sub/y.txt': `file 0644 7:7 sha256:${sha('y\n')}`,
    '/c': 'dir 0755 8:8',
    '/c/d': 'dir 0755 8:8',
  },
  files: {
    'Dockerfile': [
      'FROM busybox',
      'COPY --chown=1:2 file.txt /chowned-parent/',
      'COPY --chown=65534:65534 file.txt /owned/deep/file.txt',
      'COPY --chown=7:7 plain /a/b/',
      'COPY --chown=8:8 plain /c/d',
      '',
    ].join('\n'),
    'file.txt': 'file\n',
    'plain/x.txt': 'x\n',
    'plain/sub/y.txt': 'y\n',
  },
};

// 6. Multi-stage: ARG scoping (global, re-declared, per stage, from the command line), COPY --from
// by name and by index, with and without --chown.
const multiStageCase: Case = {
  name: 'multi-stage',
  compareFiles: true,
  buildArgs: { OVERRIDDEN: 'cli', LOCAL: 'cli-local' },
  expectConfig: {
    Labels: { global: 'global-default' },
    Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'INHERITED=not-inherited', 'GLOBAL_IN_ENV=global-default'],
  },
  expectFiles: {
    // A global ARG re-declared without a value takes the global default; a build arg overrides
    // the stage's default; an undeclared global ARG is empty in a stage.
    '/opt/share/args': `file 0644 65534:65534 sha256:${sha('GLOBAL=global-default OVERRIDDEN=cli LOCAL=cli-local\n')}`,
    '/second-args': `file 0644 0:0 sha256:${sha('GLOBAL= LOCAL=cli-local\n')}`,
    '/args-copy': `file 0644 65534:65534 sha256:${sha('GLOBAL=global-default OVERRIDDEN=cli LOCAL=cli-local\n')}`,
    '/opt/bin/args-link': 'symlink 0777 0:0 -> ../share/args',
    '/bin-owned/tool': `file 0750 1:1 sha256:${sha('#!/bin/sh\necho tool\n')}`,
    '/bin-owned/args-link': 'symlink 0777 1:1 -> ../share/args',
  },
  files: {
    Dockerfile: [
      'ARG BASE=busybox',
      'ARG GLOBAL=global-default',
      'ARG OVERRIDDEN=global',
      'FROM ${BASE} AS build',
      'ARG GLOBAL',
      'ARG OVERRIDDEN=stage-default',
      'ARG LOCAL=local-default',
      'RUN mkdir -p /out/bin /out/share && \\',
      '    echo "GLOBAL=$GLOBAL OVERRIDDEN=$OVERRIDDEN LOCAL=$LOCAL" > /out/share/args && \\',
      '    printf "#!/bin/sh\\necho tool\\n" > /out/bin/tool && chmod 750 /out/bin/tool && \\',
      '    chown -R 65534:65534 /out/share && ln -s ../share/args /out/bin/args-link',
      'ENV STAGE_ENV=from-build',
      'FROM busybox AS second',
      'ARG LOCAL',
      'RUN echo "GLOBAL=$GLOBAL LOCAL=$LOCAL" > /second-args',
      'FROM ${BASE}',
      'ARG GLOBAL',
      'LABEL global=$GLOBAL',
      'COPY --from=build /out/ /opt/',
      'COPY --from=build /out/share/args /args-copy',
      'COPY --from=0 --chown=1:1 /out/bin /bin-owned',
      'COPY --from=second /second-args /',
      'ENV INHERITED=${STAGE_ENV:-not-inherited} GLOBAL_IN_ENV=$GLOBAL',
      '',
    ].join('\n'),
  },
};

// 7. RUN: files created, changed and deleted — a file or directory of the base deleted in a RUN
// must be absent (a whiteout), a directory emptied and refilled (opaque), types replaced.
const runCase: Case = {
  name: 'run',
  compareFiles: true,
  expectFiles: {
    '/etc/group': null,
    '/bin/wget': null,
    '/created': null,
    '/gone-in-same-step': null,
    '/tmp/x': null,
    '/var/lib': null,
    '/hardlink': `file 4755 0:0 sha256:${sha('one\n')}`,
    '/link-abs': 'symlink 0777 0:0 -> /created',
    '/fifo': 'fifo 0644 0:0',
    '/home': `file 0644 0:0 sha256:${sha('file\n')}`,
    '/bin/vi': 'dir 0755 0:0',
    '/bin/vi/inside': `file 0644 0:0 sha256:${sha('inside\n')}`,
    '/var': 'dir 0755 0:0',
    '/var/new': `file 0644 0:0 sha256:${sha('fresh\n')}`,
    '/etc/passwd': `file 0600 0:0 sha256:${sha(passwd)}`,
    '/root': 'dir 1777 1:1',
    '/tmp': 'dir 1777 0:0',
    '/tmp/kept': `file 0644 0:0 sha256:${sha('')}`,
  },
  files: {
    Dockerfile: [
      'FROM busybox',
      'RUN echo one > /created && mkdir -p /var/lib/app && echo data > /var/lib/app/data && \\',
      '    ln -s /created /link-abs && ln /created /hardlink && mkfifo /fifo && \\',
      '    chmod 4755 /created && chown 12:34 /var/lib/app/data',
      'RUN rm /etc/group && rm -r /home && rm /bin/vi && rm /bin/wget',
      'RUN rm /created && echo replaced > /replaced && echo file > /home && \\',
      '    mkdir /bin/vi && echo inside > /bin/vi/inside',
      'RUN rm -rf /var && mkdir /var && echo fresh > /var/new',
      'RUN chmod 600 /etc/passwd && chown 1:1 /root && chmod 1777 /root',
      'RUN mkdir /tmp/x && touch /tmp/x/y && rm -rf /tmp/x && touch /tmp/kept',
      'RUN echo temp > /gone-in-same-step && rm /gone-in-same-step',
      '',
    ].join('\n'),
  },
};

// 8. ENTRYPOINT and CMD: each stage a target of its own, config only.
const entrypointDockerfile = [
  'FROM busybox AS exec-entrypoint',
  'ENTRYPOINT ["/bin/echo", "hi"]',
  'FROM busybox AS shell-entrypoint',
  'ENTRYPOINT echo shell form',
  'FROM busybox AS cmd-then-entrypoint',
  'CMD ["kept"]',
  'ENTRYPOINT ["/bin/echo"]',
  'FROM busybox AS entrypoint-then-cmd',
  'ENTRYPOINT ["/bin/echo"]',
  'CMD ["x", "y"]',
  'FROM busybox AS shell-cmd',
  'CMD echo "$HOME"',
  'FROM entrypoint-then-cmd AS child-cmd',
  'CMD ["only", "cmd"]',
  'FROM entrypoint-then-cmd AS child-entrypoint',
  'ENTRYPOINT ["/bin/cat"]',
  '',
].join('\n');
// What Docker gives for each: an ENTRYPOINT resets a CMD inherited (from the base image or a
// parent stage) but not one set earlier in the same stage.
const entrypointExpected: Record<string, { Entrypoint: string[] | null; Cmd: string[] | null }> = {
  'exec-entrypoint': { Entrypoint: ['/bin/echo', 'hi'], Cmd: null },
  'shell-entrypoint': { Entrypoint: ['/bin/sh', '-c', 'echo shell form'], Cmd: null },
  'cmd-then-entrypoint': { Entrypoint: ['/bin/echo'], Cmd: ['kept'] },
  'entrypoint-then-cmd': { Entrypoint: ['/bin/echo'], Cmd: ['x', 'y'] },
  'shell-cmd': { Entrypoint: null, Cmd: ['/bin/sh', '-c', 'echo "$HOME"'] },
  'child-cmd': { Entrypoint: ['/bin/echo'], Cmd: ['only', 'cmd'] },
  'child-entrypoint': { Entrypoint: ['/bin/cat'], Cmd: null },
};
const entrypointCases: Case[] = Object.entries(entrypointExpected)
  .map(([target, expectConfig]) => ({ name: `entrypoint/${target}`, target, compareFiles: false, expectConfig, files: { Dockerfile: entrypointDockerfile } }));

const corpus: Case[] = [configCase, workdirCase, copyFilesCase, copyDirsCase, copyChownCase, multiStageCase, runCase, ...entrypointCases];

async function writeContext(dir: string, c: Case): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [path, entry] of Object.entries(c.files)) {
    const p = join(dir, path);
    await mkdir(dirname(p), { recursive: true });
    if (typeof entry === 'string') {
      await writeFile(p, entry);
      await chmod(p, 0o644);
    } else if ('symlink' in entry) {
      await symlink(entry.symlink, p);
    } else if ('dir' in entry) {
      await mkdir(p, { recursive: true });
      await chmod(p, entry.mode ?? 0o755);
    } else {
      await writeFile(p, entry.content);
      await chmod(p, entry.mode ?? 0o644);
      if (entry.owner) await chown(p, ...entry.owner);
    }
  }
  for (const [path, mode] of Object.entries(c.dirModes ?? {})) await chmod(join(dir, path), mode);
}

/**
 * Every entry under a root filesystem (the root itself left out: its mode is the storage's, not
 * the image's), described by type, mode bits, owner, symlink target, content digest and, for a
 * regular file with several links inside the tree, the first path it shares its inode with.
 */
async function fileList(root: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const inodes = new Map<string, string[]>();
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const p = join(dir, name);
      const path = `${rel}/${name}`;
      const st = await lstat(p);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      const head = `${mode} ${st.uid}:${st.gid}`;
      if (st.isDirectory()) {
        entries.set(path, `dir ${head}`);
        await walk(p, path);
      } else if (st.isSymbolicLink()) {
        entries.set(path, `symlink ${head} -> ${await readlink(p)}`);
      } else if (st.isFile()) {
        const sum = createHash('sha256').update(await readFile(p)).digest('hex');
        entries.set(path, `file ${head} sha256:${sum}`);
        if (st.nlink > 1) {
          const key = `${st.dev}:${st.ino}`;
          inodes.set(key, [...(inodes.get(key) ?? []), path]);
        }
      } else {
        const type = st.isFIFO() ? 'fifo' : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : 'socket';
        entries.set(path, `${type} ${head}`);
      }
    }
  };
  await walk(root, '');
  for (const paths of inodes.values()) {
    if (paths.length < 2) continue;
    const [first, ...rest] = paths.sort();
    for (const p of rest) entries.set(p, `${entries.get(p)} hardlink-of ${first}`);
  }
  return entries;
}

/** The differences between two file lists, one line each, empty when they match. */
function diffLists(berthList: Map<string, string>, podmanList: Map<string, string>): string[] {
  const out: string[] = [];
  for (const path of [...new Set([...berthList.keys(), ...podmanList.keys()])].sort()) {
    const b = berthList.get(path);
    const p = podmanList.get(path);
    if (b === p) continue;
    if (p === undefined) out.push(`only in berth:  ${path}  ${b}`);
    else if (b === undefined) out.push(`only in podman: ${path}  ${p}`);
    else out.push(`differs:        ${path}\n    berth:  ${b}\n    podman: ${p}`);
  }
  return out;
}

const configFields = ['User', 'Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'Labels', 'ExposedPorts', 'Volumes', 'StopSignal'] as const;

/**
 * The compared part of an image config. Normalised, for both sides: a field that is absent, null,
 * an empty string or an empty map is null — podman's inspect leaves out empty fields (Go
 * `omitempty` in the OCI config it shows), Docker and berth write them as null or "".
 * For podman's side only:
 *  - the "io.buildah.version" label is dropped: buildah stamps every image it commits with its
 *    version, a label no Dockerfile asked for and Docker does not add;
 *  - a port range in ExposedPorts ("7000-7002/tcp") is expanded to its ports: buildah stores
 *    EXPOSE's range as written, Docker expands it (dockerfile2llb's dispatchExpose goes through
 *    nat.ParsePortSpecs, one key per port).
 */
function comparableConfig(config: Record<string, unknown>, side: 'berth' | 'podman'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of configFields) {
    let v = config[field];
    if (side === 'podman' && field === 'Labels' && v && typeof v === 'object') {
      const labels = { ...(v as Record<string, string>) };
      delete labels['io.buildah.version'];
      v = labels;
    }
    if (side === 'podman' && field === 'ExposedPorts' && v && typeof v === 'object') {
      const ports: Record<string, object> = {};
      for (const key of Object.keys(v)) {
        const range = /^(\d+)-(\d+)\/(\w+)$/.exec(key);
        if (!range) ports[key] = {};
        else for (let port = Number(range[1]); port <= Number(range[2]); port++) ports[`${port}/${range[3]}`] = {};
      }
      v = ports;
    }
    if (v === undefined || v === '' || (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)) v = null;
    out[field] = v;
  }
  return out;
}

/**
 * Files podman leaves that Docker does not: buildah bind-mounts /etc/hosts, /etc/hostname and
 * /etc/resolv.conf into every RUN step and creates empty files as their mount points, plus an
 * empty /run, and commits those stubs with the layer (containers/buildah#4242, open; see also
 * #3523). BuildKit removes the mount stubs it created. Dropped from podman's list only while they
 * are empty; berth's list is not touched, so berth leaving them would show as a difference.
 */
const buildahStubs = new Set(['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/run']);
const emptySha = createHash('sha256').digest('hex');
function withoutBuildahStubs(list: Map<string, string>): Map<string, string> {
  const out = new Map(list);
  for (const path of buildahStubs) {
    const d = out.get(path);
    if (d === undefined) continue;
    const emptyDir = d.startsWith('dir ') && ![...out.keys()].some((k) => k.startsWith(`${path}/`));
    const emptyFile = d.startsWith('file ') && d.endsWith(`sha256:${emptySha}`);
    if (emptyDir || emptyFile) out.delete(path);
  }
  return out;
}

interface Podman {
  (args: string[]): Promise<RunResult>;
}

/**
 * podman with a state of its own under DIR (store, run root, temporary files, containers.conf,
 * auth file), so the host's podman state is neither used nor touched. On this host podman needs:
 * no systemd (cgroupfs, file events), runc rather than crun, and a nofile limit within the hard
 * limit. The run root is right under the temporary directory: podman refuses one longer than 50
 * characters.
 */
async function podmanIn(dir: string, t: { after(fn: () => Promise<void>): void }): Promise<Podman> {
  await mkdir(join(dir, 'tmp'), { recursive: true });
  await writeFile(join(dir, 'auth.json'), '{"auths":{}}\n');
  await writeFile(join(dir, 'containers.conf'), '[engine]\nruntime = "runc"\n[containers]\ndefault_ulimits = ["nofile=20000:20000"]\n');
  const runroot = await mkdtemp(join(tmpdir(), 'pr-'));
  t.after(() => rm(runroot, { recursive: true, force: true }));
  const global = [
    '--root', join(dir, 'storage'), '--runroot', runroot, '--tmpdir', join(dir, 'tmp'),
    '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file',
  ];
  const env = { CONTAINERS_CONF: join(dir, 'containers.conf'), REGISTRY_AUTH_FILE: join(dir, 'auth.json') };
  return (args) => run('podman', [...global, ...args], { env });
}

function havePodman(): boolean {
  try {
    execFileSync('which', ['podman'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('build compared with podman build: image configs and root file systems of a Dockerfile corpus', async (t) => {
  if (!havePodman()) {
    t.skip('podman is not installed: the comparison with podman is optional');
    return;
  }
  const { root, cleanup } = await rootWithBusybox();
  t.after(cleanup);
  const work = await tempDir();
  t.after(work.cleanup);
  const podman = await podmanIn(join(work.dir, 'podman'), t);

  // The same base image on both sides: berth's busybox, saved by berth, loaded by podman.
  const baseTar = join(work.dir, 'busybox.tar');
  await ok(berth(root, ['save', '-o', baseTar, 'busybox']));
  await ok(podman(['load', '--quiet', '-i', baseTar]));
  // podman names it docker.io/library/busybox:latest, which `FROM busybox` finds in its store.
  const berthBase = (await ok(berth(root, ['image', 'inspect', '--format', '{{.Id}}', 'busybox']))).stdout.trim();
  const podmanBase = (await ok(podman(['image', 'inspect', '--format', '{{.Id}}', 'docker.io/library/busybox:latest']))).stdout.trim();
  assert.equal(podmanBase, berthBase.replace(/^sha256:/, ''), 'both build on the same image');

  let n = 0;
  for (const c of corpus) {
    await t.test(c.name, async (st) => {
      const ctx = join(work.dir, `ctx${n++}`);
      await writeContext(ctx, c);
      const args = [
        ...Object.entries(c.buildArgs ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
        ...(c.target ? ['--target', c.target] : []),
      ];
      const tag = `cmp-${n}`;

      await ok(berth(root, ['build', '-q', '-t', tag, ...args, ctx]));
      const berthConfig = JSON.parse((await ok(berth(root, ['image', 'inspect', '--format', '{{json .Config}}', tag]))).stdout) as Record<string, unknown>;
      // Docker's image format (HEALTHCHECK, SHELL, ONBUILD kept), as Docker builds; chroot
      // isolation: no runtime; no layer per step: only the result is compared.
      await ok(podman(['build', '--quiet', '--isolation', 'chroot', '--format', 'docker', '--layers=false', '-t', tag, ...args, ctx]));
      const podmanConfig = JSON.parse((await ok(podman(['image', 'inspect', '--format', '{{json .Config}}', tag]))).stdout) as Record<string, unknown>;

      await st.test('image config', { todo: todo[`${c.name}/config`] }, () => {
        assert.deepEqual(comparableConfig(berthConfig, 'berth'), comparableConfig(podmanConfig, 'podman'));
      });
      if (c.expectConfig) {
        await st.test('image config as Docker makes it, on both sides', () => {
          for (const [side, config] of [['podman', comparableConfig(podmanConfig, 'podman')], ['berth', comparableConfig(berthConfig, 'berth')]] as const) {
            for (const [field, value] of Object.entries(c.expectConfig ?? {})) assert.deepEqual(config[field], value, `${side}: ${field}`);
          }
        });
      }

      if (!c.compareFiles) return;
      const out = join(work.dir, `out${n}`);
      await ok(berth(root, ['build', '-q', '-o', `type=local,dest=${out}`, ...args, ctx]));
      const berthList = await fileList(out);
      const mounted = (await ok(podman(['image', 'mount', tag]))).stdout.trim();
      let podmanList: Map<string, string>;
      try {
        podmanList = withoutBuildahStubs(await fileList(mounted));
      } finally {
        await ok(podman(['image', 'unmount', tag]));
      }
      await st.test('root file system', { todo: todo[`${c.name}/files`] }, () => {
        const diff = diffLists(berthList, podmanList);
        assert.equal(diff.length, 0, `the file lists differ (berth → podman):\n${diff.join('\n')}`);
      });
      if (c.expectFiles) {
        await st.test('files as Docker makes them, on both sides', { todo: todo[`${c.name}/files`] }, () => {
          for (const [side, list] of [['podman', podmanList], ['berth', berthList]] as const) {
            assert.ok(list.has('/bin/busybox'), `${side}: the base image's files are there`);
            for (const [path, entry] of Object.entries(c.expectFiles ?? {})) assert.equal(list.get(path) ?? null, entry, `${side}: ${path}`);
          }
        });
      }
    });
  }
});
