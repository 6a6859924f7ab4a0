// Containers: records in meta/containers.json, a root filesystem from the overlay snapshotter, a
// spec from runtime/spec, and conmon + runc to run them. berth itself keeps no process per
// container: conmon holds it, writes its exit code, and runs `berth container cleanup` after.
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, watch } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { arch } from 'node:process';
import type { Digest } from '../content/index.ts';
import { BerthError, conflict, errnoCode, invalidArgument, isKind, notFound } from '../errdefs/index.ts';
import { parseConfig, parseManifest, type Descriptor, type ImageConfig } from '../image/index.ts';
import { ContainerMeta, holdShared, isHeld, withLock, type ContainerRecord, type ContainersDocument, type LayerRecord, type NetworkAttachment, type NetworkSettings } from '../meta/index.ts';
import {
  AttachSession, OciRuntime, chooseRuntime, cgroupMode, commandLine, defaultSeccompProfile, effectiveCapabilities, environment,
  findExecutable, generateSpec, resizeConmonTerminal, resolveUser, startConmon,
} from '../runtime/index.ts';
import { chooseSnapshotter, snapshotterFor, type LayerSource, type Snapshotter } from '../snapshot/index.ts';
import type { Finding, ImageStore } from '../store/index.ts';
import { VolumeStore } from '../volume/index.ts';
import { DEFAULT_NETWORK, NetworkStore } from '../network/index.ts';
import { loadConfig } from './config.ts';
import { containerPaths, writeEtcFiles, type ContainerPaths } from './container-files.ts';
import { hostConfig, hostHardLimits, resources, restartPolicy, rlimits, securityOptions } from './container-options.ts';
import { inspectMounts, ociMountsFor, parseTmpfs, resolveMounts, volumeNames } from './container-mounts.ts';
import { attach as joinNetwork, createSandbox, detach, firstNetwork, hostsOf, joinOne, joinsNetwork, leaveOne, onNetwork, portMappingsOf, refreshHosts, strayNetwork } from './container-network.ts';
import { allocatePorts, parseExpose, parsePublish, releasePorts } from './container-ports.ts';
import { matchLabel, parseUntil } from './filters.ts';
import { generateName, validateName } from './names.ts';
import { resolveImage } from './resolve.ts';
import { containerSummary, inspectContainer, matchContainerFilters, parseContainerFilters } from './container-view.ts';
import { readLog } from './container-logs.ts';
import { containerTop, type TopResult } from './container-top.ts';
import { readContainerStats, type ContainerStats } from './container-stats.ts';
import { containerChanges, type Change } from './container-changes.ts';
import { commitContainer, storeChanges, type CommitOptions } from './commit.ts';
import type { Attached, AttachStreams, ContainerService, ContainerSummary, CreateOptions, ListContainersOptions, LogEntry, LogOptions, UpdateOptions, ExecOptions, ExecSession, ExecStreams, TerminalSize } from './types.ts';
import { execInContainer, execUser, type ExecTarget } from './container-exec.ts';
import { eventLog, signalNumber } from './events.ts';

const INIT_PATH = '/sbin/berth-init';

export interface ContainerServiceOptions {
  /** argv that runs berth's CLI, for conmon's exit command (`berth container cleanup ID`). */
  berthCommand?: string[];
}

export class LocalContainerService implements ContainerService {
  private readonly store: ImageStore;
  private readonly meta: ContainerMeta;
  private readonly root: string;
  private readonly opts: ContainerServiceOptions;
  readonly volumes: VolumeStore;
  readonly networks: NetworkStore;

  constructor(store: ImageStore, opts: ContainerServiceOptions = {}) {
    this.store = store;
    this.root = store.root;
    this.meta = new ContainerMeta(store.root);
    this.opts = opts;
    this.volumes = new VolumeStore(store.root, (action, name) => eventLog(store.root).volume(action, name));
    this.networks = new NetworkStore(store.root);
  }

  /** `network connect`: the container is on `network` from now on (at once when it runs, and at each start). */
  async connectNetwork(ref: string, network: string, o: { aliases?: string[]; ip?: string } = {}): Promise<void> {
    const net = await this.networks.get(network);
    await this.locked(ref, async (rec) => {
      const mode = rec.HostConfig.NetworkMode;
      if (!onNetwork(mode)) throw invalidArgument(`container cannot be connected to network ${net.Name}: it runs with --network ${mode}`);
      // Its first network may be gone (removed after the container left it).
      const first = await this.networks.get(firstNetwork(rec.HostConfig.NetworkMode)).catch(() => undefined);
      if ((o.aliases?.length || o.ip) && net.Name === DEFAULT_NETWORK) throw invalidArgument('user specified IP address and network aliases are supported only on user-defined networks');
      const isFirst = first?.Id === net.Id;
      const rejoinsFirst = isFirst && rec.HostConfig.LeftFirstNetwork === true;
      const firstAliases = [...new Set([...(rec.HostConfig.NetworkAliases ?? []), ...(o.aliases ?? [])])];
      // Docker keeps the settings of a container that is not running: its own network again adds aliases, no error (compose v1 connects so).
      if (isFirst && !isLive(rec) && !o.ip) {
        await this.save(rec.Id, (r) => {
          r.HostConfig.NetworkAliases = firstAliases;
          delete r.HostConfig.LeftFirstNetwork;
        });
        return;
      }
      if (joinsNetwork(rec, net)) throw conflict(`endpoint with name ${rec.Name} already exists in network ${net.Name}`, ref);
      const extra = { name: net.Name, aliases: o.aliases ?? [], ...(o.ip ? { ip: o.ip } : {}) };
      let attachment: NetworkAttachment | undefined;
      if (rec.NetworkSettings && isLive(rec) && (await this.stillRunning(rec))) {
        const s = rec.NetworkSettings;
        if (rejoinsFirst) {
          // Back on its own network as eth0, with the ports it publishes there.
          attachment = await joinOne(rec, net, this.networks, s.SandboxKey, 'eth0', { portMappings: portMappingsOf(s), aliases: firstAliases, ip: o.ip ?? rec.HostConfig.IPv4Address });
        } else {
          const used = Object.values(s.Networks).map((a) => a.Interface ?? 'eth0');
          let n = 1;
          while (used.includes(`eth${n}`)) n++;
          attachment = await joinOne(rec, net, this.networks, s.SandboxKey, `eth${n}`, { aliases: extra.aliases, ip: extra.ip });
        }
      }
      await this.save(rec.Id, (r) => {
        if (rejoinsFirst) {
          delete r.HostConfig.LeftFirstNetwork;
          r.HostConfig.NetworkAliases = firstAliases;
          if (o.ip) r.HostConfig.IPv4Address = o.ip;
        } else r.HostConfig.ExtraNetworks = [...(r.HostConfig.ExtraNetworks ?? []), extra];
        if (attachment && r.NetworkSettings) r.NetworkSettings.Networks[net.Name] = attachment;
      });
    });
    const all = await this.records();
    await refreshHosts(all, all, (id) => this.paths(id).userdata);
  }

  /** `network disconnect`: off a network, its first one included (as Docker allows); starts leave it out from then on. */
  async disconnectNetwork(ref: string, network: string): Promise<void> {
    const net = await this.networks.get(network);
    await this.locked(ref, async (rec) => {
      if (!joinsNetwork(rec, net)) throw invalidArgument(`container ${rec.Id} is not connected to network ${net.Name}`);
      const a = rec.NetworkSettings?.Networks[net.Name];
      if (a && rec.NetworkSettings) {
        await leaveOne(rec, a, rec.NetworkSettings, this.networks);
      }
      const isFirst = !(rec.HostConfig.ExtraNetworks ?? []).some((e) => e.name === net.Name);
      await this.save(rec.Id, (r) => {
        if (isFirst) r.HostConfig.LeftFirstNetwork = true;
        else r.HostConfig.ExtraNetworks = (r.HostConfig.ExtraNetworks ?? []).filter((e) => e.name !== net.Name);
        if (r.NetworkSettings) delete r.NetworkSettings.Networks[net.Name];
      });
    });
    const all = await this.records();
    await refreshHosts(all, all, (id) => this.paths(id).userdata);
  }

  /** The namespace and /etc files of the running container another one joins (`--network container:ID`). */
  private async joinedNetwork(id: string): Promise<{ netns: string; etc: { destination: string; type: string; source: string; options: string[] }[] }> {
    const other = await this.get(id).catch(() => {
      throw conflict(`cannot join network of a non running container: ${id}`, id);
    });
    if (!isLive(other) || !(await this.stillRunning(other))) throw conflict(`cannot join network of a non running container: ${other.Name}`, id);
    const netns = other.HostConfig.NetworkMode === 'host' ? '/proc/1/ns/net' : (other.NetworkSettings?.SandboxKey ?? `/proc/${other.State.Pid}/ns/net`);
    const dir = this.paths(other.Id).userdata;
    const etc = ['hosts', 'hostname', 'resolv.conf'].map((f) => ({ destination: `/etc/${f}`, type: 'bind', source: join(dir, f), options: ['rbind', 'rprivate'] }));
    return { netns, etc };
  }

  /** Takes the container off its network (idempotent), and its name out of the others' hosts files. */
  private async leaveNetwork(rec: ContainerRecord): Promise<void> {
    // A start killed half way may have made the namespace (and joined the network) without
    // recording it: what is on the kernel's side is found from the container's ID and network mode.
    const settings = rec.NetworkSettings ?? (await strayNetwork(rec, this.networks));
    if (!settings) return;
    const others = Object.values((await this.meta.read()).containers).filter((c) => c.Id !== rec.Id);
    await detach({ ...rec, NetworkSettings: settings }, this.networks);
    eventLog(this.root).attachments('disconnect', rec.Id, await Promise.all(Object.keys(settings.Networks).map((n) => this.networks.get(n).catch(() => ({ Id: n, Name: n })))));
    await refreshHosts(others, others, (id) => this.paths(id).userdata);
  }

  /** Every container record, as stored. */
  async records(): Promise<ContainerRecord[]> {
    return Object.values((await this.meta.read()).containers);
  }

  /** The containers that use a volume (short IDs), for `volume rm`. */
  async volumeUsers(name: string): Promise<string[]> {
    return Object.values((await this.meta.read()).containers).filter((c) => volumeNames(c).includes(name)).map((c) => c.Id);
  }

  /** The container's snapshotter (records made before there was a choice are overlay). */
  private snapshotter(rec: Pick<ContainerRecord, 'Driver'>): Snapshotter {
    return snapshotterFor(rec.Driver ?? 'overlay2', this.root);
  }

  /** The image's layers for the snapshotter: directories (unpacked from the blobs on first use), and the blobs for copying. */
  private layerSources(rec: ContainerRecord): LayerSource[] {
    return rec.Layers.map((diffId, i) => {
      const blob = async (): Promise<Digest> => {
        const image = (await this.store.document()).images[rec.Image];
        if (!image) throw notFound(`the image of container ${rec.Id} (${rec.Image}) is no longer in the store`, rec.Image);
        const layer = parseManifest(await this.store.content.readBytes(image.manifest), `manifest of image ${rec.Image}`).layers[i];
        if (!layer) throw notFound(`layer ${diffId} of image ${rec.Image} has no blob; run 'berth system check'`, diffId);
        return layer.digest;
      };
      return {
        dir: async () => this.store.layers.ensure(diffId, async () => this.store.content.open(await blob()), `layer ${i + 1} (${diffId}) of image ${rec.Image}`),
        tar: async () => this.store.content.read(await blob()),
      };
    });
  }

  /** Where the container keeps its own changes, or Docker's refusal for a snapshotter that keeps none apart. */
  private upperDir(rec: ContainerRecord, what: string): string {
    const upper = this.snapshotter(rec).paths(this.paths(rec.Id).dir).upper;
    if (!upper) throw invalidArgument(`${what} needs the overlay2 snapshotter: container ${rec.Id} uses ${rec.Driver ?? 'overlay2'}, which keeps no separate record of its changes`);
    return upper;
  }

  private runtimeFor(rec: ContainerRecord): OciRuntime {
    return new OciRuntime({ name: rec.HostConfig.Runtime, path: rec.RuntimePath }, join(this.root, 'runtime', rec.HostConfig.Runtime));
  }

  private paths(id: string): ContainerPaths {
    return containerPaths(this.root, id);
  }

  async userOf(image: Digest): Promise<{ id: string; running: boolean } | undefined> {
    const users = Object.values((await this.meta.read()).containers).filter((c) => c.Image === image);
    const running = users.find((c) => c.State.Status === 'running' || c.State.Status === 'paused');
    const user = running ?? users[0];
    return user ? { id: user.Id, running: running !== undefined } : undefined;
  }

  async resolve(ref: string): Promise<string> {
    return findContainer(await this.meta.read(), ref).Id;
  }

  private async record(ref: string): Promise<ContainerRecord> {
    return findContainer(await this.meta.read(), ref);
  }

  /** The container's record, brought up to date first when its process died while nobody watched. */
  async get(ref: string): Promise<ContainerRecord> {
    const rec = await this.record(ref);
    if (!isLive(rec) || (await this.stillRunning(rec))) return rec;
    await this.cleanup(rec.Id).catch((err: unknown) => (isKind(err, 'NotFound') ? undefined : Promise.reject(err)));
    return (await this.meta.read()).containers[rec.Id] ?? rec;
  }

  /** The record of a container that runs now, or Docker's "is not running" conflict. */
  private async running(ref: string): Promise<ContainerRecord> {
    const rec = await this.get(ref);
    if (!isLive(rec)) throw notRunning(rec);
    return rec;
  }

  /** An attach session that also holds the client lock: an --rm container waits for us to read its exit code. */
  private async connect(p: ContainerPaths, streams: AttachStreams): Promise<AttachSession & { release: () => Promise<void> }> {
    const release = await holdShared(p.client);
    try {
      return Object.assign(new AttachSession(p.dir, streams), { release });
    } catch (err) {
      await release();
      throw err;
    }
  }

  async attach(ref: string, streams: AttachStreams): Promise<Attached> {
    const rec = await this.get(ref);
    if (!isLive(rec)) throw conflict('You cannot attach to a stopped container, start it first', ref);
    if (rec.State.Status === 'paused') throw conflict('You cannot attach to a paused container, unpause it first', ref);
    const session = await this.connect(this.paths(rec.Id), streams);
    if (streams.size && rec.Config.Tty) await resizeConmonTerminal(this.paths(rec.Id).dir, streams.size);
    eventLog(this.root).container('attach', rec);
    return session;
  }

  async resize(ref: string, size: TerminalSize): Promise<void> {
    const rec = await this.running(ref);
    if (rec.Config.Tty) await resizeConmonTerminal(this.paths(rec.Id).dir, size);
  }

  async pause(ref: string): Promise<void> {
    await this.locked(ref, async (rec) => {
      if (!isLive(rec) || !(await this.stillRunning(rec))) throw notRunning(rec);
      if (rec.State.Status === 'paused') throw conflict(`Container ${rec.Id} is already paused`, ref);
      await this.runtimeFor(rec).pause(rec.Id);
      await this.save(rec.Id, (r) => {
        r.State.Status = 'paused';
      });
      eventLog(this.root).container('pause', rec);
    });
  }

  async unpause(ref: string): Promise<void> {
    await this.locked(ref, async (rec) => {
      if (rec.State.Status !== 'paused' || !(await this.stillRunning(rec))) throw conflict(`Container ${rec.Id} is not paused`, ref);
      await this.runtimeFor(rec).resume(rec.Id);
      await this.save(rec.Id, (r) => {
        r.State.Status = 'running';
      });
      eventLog(this.root).container('unpause', rec);
    });
  }

  async rename(ref: string, newName: string): Promise<void> {
    const name = validateName(newName.startsWith('/') ? newName.slice(1) : newName);
    const id = await this.resolve(ref);
    await this.meta.update((doc) => {
      const rec = doc.containers[id];
      if (!rec) throw notFound(`No such container: ${ref}`, ref);
      if (rec.Name === name) throw invalidArgument('Renaming a container with the same name as its current name');
      const holder = Object.values(doc.containers).find((c) => c.Name === name);
      if (holder) throw nameConflict(name, holder.Id);
      eventLog(this.root).container('rename', { ...rec, Name: name }, { oldName: `/${rec.Name}` });
      rec.Name = name;
    });
  }

  async restart(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    await this.stop(ref, opts);
    await this.start(ref);
  }

  /** Changes resource limits (and the restart policy); a running container gets them at once. */
  async update(ref: string, o: UpdateOptions): Promise<{ Warnings: string[] }> {
    return this.locked(ref, async (rec) => {
      const h = structuredClone(rec.HostConfig);
      if (o.memory !== undefined) h.Memory = o.memory;
      if (o.memorySwap !== undefined) h.MemorySwap = o.memorySwap;
      if (o.cpus !== undefined) h.NanoCpus = Math.round(o.cpus * 1e9);
      if (o.cpuShares !== undefined) h.CpuShares = o.cpuShares;
      if (o.pidsLimit !== undefined) h.PidsLimit = o.pidsLimit;
      if (o.restart !== undefined) {
        h.RestartPolicy = restartPolicy(o.restart);
        if (h.AutoRemove && h.RestartPolicy.Name !== 'no') throw invalidArgument('Restart policy cannot be updated because AutoRemove is enabled for the container');
      }
      const wanted = resources(h);
      if (isLive(rec) && (await this.stillRunning(rec))) {
        const file = join(this.paths(rec.Id).dir, 'resources.json');
        await writeFile(file, JSON.stringify(wanted));
        await this.runtimeFor(rec).update(rec.Id, file);
      }
      await this.save(rec.Id, (r) => {
        r.HostConfig = h;
      });
      return { Warnings: [] };
    });
  }

  /** A new image from the container's changes; the container is paused meanwhile unless `pause` is false. */
  async commit(ref: string, o: CommitOptions & { pause?: boolean }): Promise<Digest> {
    const rec = await this.get(ref);
    const pause = o.pause !== false && rec.State.Status === 'running';
    if (pause) await this.pause(rec.Id);
    try {
      return await commitContainer(this.store, rec, this.upperDir(rec, 'commit'), o);
    } finally {
      if (pause) await this.unpause(rec.Id).catch(() => undefined);
    }
  }

  /** The container's changes as a layer on top of its image's (a build step); call inside store.writing(). */
  async storeChanges(ref: string, o: { docker: boolean; sourceDateEpoch?: number }): Promise<{ layer: LayerRecord; descriptor: Descriptor }> {
    const rec = await this.get(ref);
    return storeChanges(this.store, rec, this.upperDir(rec, 'a build step'), o);
  }

  async checkExec(ref: string, o: ExecOptions): Promise<string> {
    return (await this.execTarget(ref, o)).rec.Id;
  }

  async exec(ref: string, o: ExecOptions, streams?: ExecStreams): Promise<ExecSession> {
    return execInContainer(await this.execTarget(ref, o), o, streams);
  }

  /** Docker's checks before an exec (the container runs, unpaused; a command; a known user), and what it runs in. */
  private async execTarget(ref: string, o: ExecOptions): Promise<ExecTarget> {
    const rec = await this.running(ref);
    if (rec.State.Status === 'paused') throw conflict(`Container ${ref} is paused, unpause the container before exec`, ref);
    if (o.cmd.length === 0) throw invalidArgument('No exec command specified');
    const dir = this.paths(rec.Id).dir;
    const target = { rec, dir, rootfs: this.snapshotter(rec).paths(dir).merged, runtime: this.runtimeFor(rec) };
    execUser(target, o.user);
    return target;
  }

  /**
   * What a crash (of berth, or of the machine) can leave: records that say running with nothing
   * behind them, container directories or runtime state without a record, mounts and processes of
   * containers that are not running. With `repair`, each is cleaned, and the finding says how.
   */
  async check(repair: boolean): Promise<Finding[]> {
    const findings: Finding[] = [];
    const note = (problem: string, repaired: string): void => {
      findings.push(repair ? { problem, repaired } : { problem });
    };
    for (const rec of Object.values((await this.meta.read()).containers)) {
      if (isLive(rec)) {
        if (await this.stillRunning(rec)) continue;
        note(`container ${rec.Id} is recorded as ${rec.State.Status} but its process is gone`, 'recorded as exited');
        if (repair) await this.cleanup(rec.Id).catch(() => undefined);
        continue;
      }
      const runtime = this.runtimeFor(rec);
      const state = await runtime.state(rec.Id).catch(() => undefined);
      if (state) {
        note(`container ${rec.Id} is recorded as ${rec.State.Status} but the runtime still has it (${state.status})`, 'killed and deleted in the runtime');
        if (repair) await this.locked(rec.Id, () => runtime.delete(rec.Id, true).catch(() => undefined));
      }
      const merged = this.snapshotter(rec).paths(this.paths(rec.Id).dir).merged;
      if (isMountPoint(merged)) {
        note(`container ${rec.Id} is ${rec.State.Status} but its root filesystem is still mounted`, 'unmounted');
        if (repair) await this.locked(rec.Id, async () => this.snapshotter(rec).unmount(this.paths(rec.Id).dir));
      }
    }
    const known = new Set(Object.keys((await this.meta.read()).containers));
    for (const id of await listDir(join(this.root, 'containers'))) {
      if (known.has(id)) continue;
      note(`container directory ${id} has no record`, 'unmounted and removed');
      if (repair) {
        // Without a record its snapshotter is unknown: an overlay mount is the only thing to undo first.
        await snapshotterFor('overlay2', this.root).remove(this.paths(id).dir);
        await rm(this.paths(id).dir, { recursive: true, force: true });
      }
    }
    for (const name of await listDir(join(this.root, 'runtime'))) {
      const runtime = new OciRuntime({ name, path: findExecutable(name) ?? name }, join(this.root, 'runtime', name));
      for (const id of await listDir(runtime.stateDir)) {
        if (known.has(id)) continue;
        note(`${name} has a container ${id} that berth has no record of`, 'killed and deleted in the runtime');
        if (repair) await runtime.delete(id, true).catch(() => undefined);
      }
    }
    for (const id of await listDir(join(this.root, 'exits'))) {
      if (known.has(id)) continue;
      note(`exit file ${id} has no container`, 'removed');
      if (repair) await rm(join(this.root, 'exits', id), { force: true });
    }
    return findings;
  }

  /** Removes every container that is not running; returns their IDs and the space their layers held. */
  async prune(filters: Record<string, string[]> = {}): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    await this.reconcile();
    const until = filters.until?.map(parseUntil);
    const labels = filters.label ?? [];
    const deleted: string[] = [];
    let space = 0;
    for (const rec of Object.values((await this.meta.read()).containers)) {
      if (isLive(rec)) continue;
      if (until && !until.every((t) => Date.parse(rec.Created) < t)) continue;
      if (!labels.every((l) => matchLabel(rec.Config.Labels, l))) continue;
      const size = await this.snapshotter(rec).changedSize(this.paths(rec.Id).dir);
      try {
        await this.remove(rec.Id);
      } catch (err) {
        if (isKind(err, 'NotFound') || isKind(err, 'Conflict')) continue; // gone or started meanwhile
        throw err;
      }
      deleted.push(rec.Id);
      space += size;
    }
    return { ContainersDeleted: deleted, SpaceReclaimed: space };
  }

  /**
   * Runs `fn` on the container's root filesystem, mounted for the time of the call when the
   * container is not running; the container's lock keeps it from starting or being removed meanwhile.
   */
  async withRootfs<T>(ref: string, fn: (rootfs: string, rec: ContainerRecord) => Promise<T>): Promise<T> {
    return this.locked(ref, async (rec) => {
      const p = this.paths(rec.Id);
      const snap = this.snapshotter(rec);
      if (isLive(rec) && (await this.stillRunning(rec))) return fn(snap.paths(p.dir).merged, rec);
      snap.unmount(p.dir);
      const rootfs = await snap.mount(p.dir, this.layerSources(rec));
      try {
        return await fn(rootfs, rec);
      } finally {
        snap.unmount(p.dir);
      }
    });
  }

  async top(ref: string, psArgs = '-ef'): Promise<TopResult> {
    const rec = await this.running(ref);
    return containerTop(cgroupsPathOf(rec.Id), psArgs);
  }

  async stats(ref: string): Promise<ContainerStats> {
    const rec = await this.running(ref);
    return readContainerStats({ id: rec.Id, name: rec.Name, cgroupsPath: cgroupsPathOf(rec.Id), pid: rec.State.Pid, ownNetwork: rec.HostConfig.NetworkMode !== 'host' });
  }

  async changes(ref: string): Promise<Change[]> {
    const rec = await this.get(ref);
    return containerChanges(this.upperDir(rec, 'diff'), rec.Layers.map((l) => this.store.layers.path(l)));
  }

  /** Runs `fn` holding the container's lock, with its current record. */
  private async locked<T>(ref: string, fn: (rec: ContainerRecord) => Promise<T>): Promise<T> {
    const id = await this.resolve(ref);
    const p = this.paths(id);
    // The lock lives in the container's directory, which `rm` deletes: never recreate it here (a
    // late `container cleanup` from conmon would leave a directory without a record).
    if (!(await exists(p.dir))) throw notFound(`No such container: ${ref}`, ref);
    return withLock(p.lock, 'exclusive', async () => {
      const rec = (await this.meta.read()).containers[id];
      if (!rec) throw notFound(`No such container: ${ref}`, ref);
      return fn(rec);
    });
  }

  private async save(id: string, change: (rec: ContainerRecord) => void): Promise<ContainerRecord> {
    return this.meta.update((doc) => {
      const rec = doc.containers[id];
      if (!rec) throw notFound(`No such container: ${id}`, id);
      change(rec);
      return structuredClone(rec);
    });
  }

  async create(o: CreateOptions): Promise<{ Id: string; Warnings: string[] }> {
    const imageDoc = await this.store.document();
    const { image } = resolveImage(imageDoc, o.image);
    const config = parseConfig(await this.store.content.readBytes(image.id), `config of image ${image.id}`);
    // The config file is read only here, when a container is made: other commands never need it.
    const settings = loadConfig();
    const runtime = chooseRuntime(o.runtime ?? settings.runtime);
    const driver = await chooseSnapshotter(this.root, process.env.BERTH_SNAPSHOTTER || settings.snapshotter);
    const host = hostConfig(o, runtime.name);
    if (onNetwork(host.NetworkMode)) await this.networks.get(firstNetwork(host.NetworkMode)); // Docker: "network X not found"
    // `container:NAME` joins that container's namespace; the record keeps its full ID.
    let sharedHostname: string | undefined;
    if (host.NetworkMode.startsWith('container:')) {
      if (o.hostname !== undefined) throw invalidArgument('conflicting options: hostname and the network mode');
      const other = await this.get(host.NetworkMode.slice('container:'.length));
      host.NetworkMode = `container:${other.Id}`;
      sharedHostname = other.Config.Hostname;
    }
    const ic = config.config ?? {};
    const volumesFrom = await Promise.all((o.volumesFrom ?? []).map(async (spec) => {
      const [ref = '', mode] = spec.split(':');
      if (mode !== undefined && mode !== 'ro' && mode !== 'rw') throw invalidArgument(`invalid mode for --volumes-from: ${spec}`);
      return { rec: await this.get(ref), mode: mode as 'ro' | 'rw' | undefined };
    }));
    const tmpfs = parseTmpfs(o.tmpfs ?? []);
    const mounts = await resolveMounts({ binds: o.binds, mounts: o.mounts, tmpfs, volumesFrom, imageVolumes: o.ignoreImageVolumes ? undefined : ic.Volumes }, this.volumes);
    if (mounts.length > 0) host.Mounts = mounts;
    if (Object.keys(tmpfs).length > 0) host.Tmpfs = tmpfs;
    // Docker: `-v /path` is a volume the container asks for (Config.Volumes), not a bind.
    const binds = (o.binds ?? []).filter((b) => b.includes(':'));
    if (binds.length > 0) host.Binds = binds;
    const bindings = parsePublish(o.publish ?? []);
    const exposed = [...new Set([...Object.keys((ic.ExposedPorts ?? {}) as Record<string, object>), ...parseExpose(o.expose ?? []), ...Object.keys(bindings)])];
    if (o.publishAll) for (const p of exposed) bindings[p] ??= [{ HostIp: '', HostPort: '' }];
    if (Object.keys(bindings).length > 0) host.PortBindings = bindings;
    if (o.publishAll) host.PublishAllPorts = true;
    for (const h of o.addHosts ?? []) if (!/^[^:\s]+:[0-9a-fA-F:.]+$/.test(h.replace('=', ':'))) throw invalidArgument(`invalid argument "${h}" for "--add-host" flag: invalid IP address`);
    if (o.addHosts?.length) host.ExtraHosts = o.addHosts.map((h) => h.replace('=', ':'));
    if (o.dns?.length) host.Dns = o.dns;
    if (o.dnsSearch?.length) host.DnsSearch = o.dnsSearch;
    if (o.dnsOptions?.length) host.DnsOptions = o.dnsOptions;
    if ((o.networkAliases?.length || o.ip) && (!onNetwork(host.NetworkMode) || host.NetworkMode === 'bridge' || host.NetworkMode === 'default')) {
      throw invalidArgument('user specified IP address and network aliases are supported only on user-defined networks');
    }
    if (o.networkAliases?.length) host.NetworkAliases = o.networkAliases;
    if (o.ip) host.IPv4Address = o.ip;
    const asked = [...Object.keys(ic.Volumes ?? {}), ...(o.binds ?? []).filter((b) => !b.includes(':'))];
    const configVolumes = asked.length > 0 ? Object.fromEntries(asked.map((v) => [v, {}])) : null;
    if (o.volumesFrom && o.volumesFrom.length > 0) host.VolumesFrom = o.volumesFrom;
    const id = randomBytes(32).toString('hex');
    // A new entrypoint drops the image's CMD, as Docker does.
    const entrypoint = typeof o.entrypoint === 'string' ? (o.entrypoint === '' ? [] : [o.entrypoint]) : o.entrypoint?.length === 1 && o.entrypoint[0] === '' ? [] : o.entrypoint;
    const args = commandLine({ Entrypoint: entrypoint ?? ic.Entrypoint, Cmd: entrypoint ? null : ic.Cmd }, { args: o.cmd });
    const now = new Date().toISOString();
    const rec: ContainerRecord = {
      Id: id,
      Name: '',
      Created: now,
      Image: image.id,
      Layers: image.layers,
      Path: args[0] as string,
      Args: args.slice(1),
      Config: {
        // Docker: on the host's network a container has the host's name unless -h says otherwise.
        Hostname: o.hostname ?? sharedHostname ?? (host.NetworkMode === 'host' ? hostname() : id.slice(0, 12)),
        Domainname: '',
        User: o.user ?? ic.User ?? '',
        AttachStdin: o.attach?.stdin ?? false,
        AttachStdout: o.attach?.stdout ?? false,
        AttachStderr: o.attach?.stderr ?? false,
        Tty: o.tty ?? false,
        OpenStdin: o.openStdin ?? false,
        // Docker's rule: stdin closes with the first attached client's input only when run attached to it.
        StdinOnce: (o.openStdin ?? false) && (o.attach?.stdin ?? false),
        Env: [...(ic.Env ?? []), ...(o.env ?? [])],
        Cmd: o.cmd && o.cmd.length > 0 ? o.cmd : o.entrypoint !== undefined ? null : (ic.Cmd ?? null),
        Entrypoint: entrypoint ? (entrypoint.length > 0 ? entrypoint : null) : (ic.Entrypoint ?? null),
        Image: o.image,
        WorkingDir: o.workdir ?? ic.WorkingDir ?? '',
        Labels: { ...(ic.Labels ?? {}), ...(o.labels ?? {}) },
        Volumes: configVolumes,
        ...(exposed.length > 0 ? { ExposedPorts: Object.fromEntries(exposed.map((p) => [p, {}])) } : {}),
        ...(o.stopSignal ?? ic.StopSignal ? { StopSignal: o.stopSignal ?? ic.StopSignal } : {}),
        ...(o.stopTimeout !== undefined ? { StopTimeout: o.stopTimeout } : {}),
      },
      HostConfig: host,
      State: { Status: 'created', Pid: 0, ConmonPid: 0, ExitCode: 0, Error: '', StartedAt: '0001-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z', OOMKilled: false },
      RestartCount: 0,
      RuntimePath: runtime.path,
      Driver: driver,
    };
    const p = this.paths(id);
    await mkdir(p.dir, { recursive: true, mode: 0o700 });
    try {
      await this.snapshotter(rec).prepare(p.dir, this.layerSources(rec));
      await this.meta.update((doc) => {
        const taken = (n: string): boolean => Object.values(doc.containers).some((c) => c.Name === n);
        const name = o.name !== undefined ? validateName(o.name) : generateName(taken);
        const holder = Object.values(doc.containers).find((c) => c.Name === name);
        if (holder) throw nameConflict(name, holder.Id);
        rec.Name = name;
        doc.containers[id] = rec;
      });
    } catch (err) {
      await rm(p.dir, { recursive: true, force: true });
      throw err;
    }
    eventLog(this.root).container('create', rec);
    return { Id: id, Warnings: [] };
  }

  async start(ref: string, opts: { attach?: AttachStreams } = {}): Promise<Attached | undefined> {
    return this.locked(ref, async (rec) => {
      if (rec.State.Status === 'running' || rec.State.Status === 'paused') {
        if (await this.stillRunning(rec)) return undefined; // Docker: starting a running container is a no-op
        await this.finish(rec);
      }
      return this.launch(rec, opts.attach);
    });
  }

  /** Mounts, writes the bundle, starts conmon (which creates the container), attaches, starts. Caller holds the lock. */
  private async launch(rec: ContainerRecord, attach: AttachStreams | undefined): Promise<Attached | undefined> {
    const p = this.paths(rec.Id);
    const runtime = this.runtimeFor(rec);
    const config = parseConfig(await this.store.content.readBytes(rec.Image), `config of image ${rec.Image}`);
    const snap = this.snapshotter(rec);
    snap.unmount(p.dir);
    const rootfs = await snap.mount(p.dir, this.layerSources(rec));
    let session: (AttachSession & { release: () => Promise<void> }) | undefined;
    let held: number[] = [];
    let joining: Promise<NetworkSettings> | undefined;
    try {
      let netns: string | undefined;
      if (onNetwork(rec.HostConfig.NetworkMode)) {
        // Host ports: the ones asked for checked, free ones chosen, before anything runs.
        const taken = new Set(Object.values((await this.meta.read()).containers).flatMap((c) => Object.entries(c.NetworkSettings?.Ports ?? {}).flatMap(([k, bs]) => bs.map((b) => `${b.HostPort}/${k.split('/')[1] ?? 'tcp'}`))));
        const ports = await allocatePorts(rec.HostConfig.PortBindings ?? {}, taken);
        held = ports.held;
        netns = await createSandbox(rec);
        // The networks are joined while the runtime creates the container: its process runs only at start.
        joining = joinNetwork(rec, this.networks, netns, ports.mappings).then((settings) => (Object.keys(ports.ports).length > 0 ? { ...settings, Ports: ports.ports } : settings));
        joining.catch(() => undefined); // awaited below, or by the clean-up
      }
      await writeFile(p.config, JSON.stringify(await this.spec(rec, config, rootfs, p, attach?.size, netns)));
      for (const f of [p.exitFile, join(p.dir, 'attach'), p.pidFile]) await rm(f, { force: true });
      await mkdir(join(this.root, 'exits'), { recursive: true });
      await mkdir(runtime.stateDir, { recursive: true });
      await runtime.delete(rec.Id, true).catch(() => undefined); // a leftover from a crash would block create
      const conmon = findExecutable('conmon');
      if (!conmon) throw invalidArgument('conmon not found: install the conmon package');
      const started = await startConmon({
        conmon,
        runtime,
        id: rec.Id,
        shortId: rec.Id.slice(0, 12),
        bundle: p.dir,
        logPath: p.log,
        exitDir: join(this.root, 'exits'),
        persistDir: p.userdata,
        socketDir: p.dir,
        pidFile: p.pidFile,
        conmonPidFile: p.conmonPidFile,
        stdin: rec.Config.OpenStdin,
        // Kept open when clients come and go (a detach must not close it); a terminal never sends EOF anyway.
        leaveStdinOpen: rec.Config.Tty || !rec.Config.StdinOnce,
        tty: rec.Config.Tty,
        holdFds: held,
        exitCommand: this.opts.berthCommand ? cleanupCommand([...this.opts.berthCommand, '--root', this.root, 'container', 'cleanup', rec.Id], p.dir, attach !== undefined && rec.HostConfig.RestartPolicy.Name === 'no') : undefined,
      }).catch((err: unknown) => {
        throw startError(err);
      }).finally(() => releasePorts(held));
      if (joining) {
        const settings = await joining;
        eventLog(this.root).attachments('connect', rec.Id, await Promise.all(Object.keys(settings.Networks).map((n) => this.networks.get(n))));
        rec = await this.save(rec.Id, (r) => {
          r.NetworkSettings = settings;
        });
        // Its address in its own /etc/hosts (written in place: it is bind-mounted), and its name in the others'.
        const all = await this.records();
        await writeFile(join(p.userdata, 'hosts'), hostsOf(rec, all));
        await refreshHosts(all.filter((c) => c.Id !== rec.Id), all, (id) => this.paths(id).userdata);
      }
      if (attach) session = await this.connect(p, attach);
      await runtime.start(rec.Id);
      await this.save(rec.Id, (r) => {
        r.State = { ...r.State, Status: 'running', Pid: started.pid, ConmonPid: started.conmonPid, ExitCode: 0, Error: '', StartedAt: new Date().toISOString(), FinishedAt: '0001-01-01T00:00:00Z' };
        delete r.StoppedByUser;
      });
      eventLog(this.root).mounts('mount', rec);
      eventLog(this.root).container('start', rec);
    } catch (caught) {
      let err = caught;
      releasePorts(held);
      await session?.close();
      await session?.release();
      await runtime.delete(rec.Id, true).catch(() => undefined);
      // A join still running ends first; what it joined is then left (a failed join left it already,
      // and its error is the one to tell: the runtime's may only follow from it).
      const join = await joining?.then((settings) => ({ settings }), (error: unknown) => ({ error }));
      if (join && 'error' in join) err = join.error;
      await this.leaveNetwork(join && 'settings' in join ? { ...rec, NetworkSettings: join.settings } : rec).catch(() => undefined);
      snap.unmount(p.dir);
      const message = err instanceof Error ? err.message : String(err);
      await this.save(rec.Id, (r) => {
        delete r.NetworkSettings;
        r.State = { ...r.State, Status: r.State.StartedAt.startsWith('0001') ? 'created' : 'exited', Error: message, ExitCode: err instanceof BerthError && err.exitStatus ? err.exitStatus : 128 };
      }).catch(() => undefined);
      throw err;
    }
    return session;
  }

  private async spec(rec: ContainerRecord, config: ImageConfig, rootfs: string, p: ContainerPaths, consoleSize?: TerminalSize, netns?: string): Promise<Record<string, unknown>> {
    const h = rec.HostConfig;
    const user = resolveUser(rootfs, rec.Config.User, h.GroupAdd ?? []);
    const caps = effectiveCapabilities({ privileged: h.Privileged, add: h.CapAdd ?? [], drop: h.CapDrop ?? [] });
    const security = securityOptions(h.SecurityOpt);
    // `container:ID`: that container's namespace and its /etc files.
    const joined = h.NetworkMode.startsWith('container:') ? await this.joinedNetwork(h.NetworkMode.slice('container:'.length)) : undefined;
    if (joined) await mkdir(p.userdata, { recursive: true }); // conmon's persist dir, which writeEtcFiles makes otherwise
    // hosts gets the container's address once its networks are joined (launch).
    const etc = joined ? joined.etc : await writeEtcFiles(p, rec.Config.Hostname, hostsOf({ ...rec, NetworkSettings: undefined }, []), h);
    const mounts = [...etc, ...(await ociMountsFor(h.Mounts, h.Tmpfs, this.volumes, rootfs))];
    let args = [rec.Path, ...rec.Args];
    if (h.Init) {
      const init = findExecutable('catatonit') ?? findExecutable('tini-static');
      if (!init) throw invalidArgument('--init needs catatonit or tini-static on the host');
      mounts.push({ destination: INIT_PATH, type: 'bind', source: init, options: ['bind', 'ro'] });
      args = [INIT_PATH, '--', ...args];
    }
    const seccomp =
      security.seccomp === 'unconfined' ? undefined : security.seccomp === 'default' ? defaultSeccompProfile({ capabilities: caps, arch }) : security.seccomp.profile;
    return generateSpec({
      rootfs,
      readonlyRootfs: h.ReadonlyRootfs,
      args,
      env: environment(config.config?.Env, rec.Config.Env.slice((config.config?.Env ?? []).length), { hostname: rec.Config.Hostname, home: user.home, tty: rec.Config.Tty }),
      cwd: rec.Config.WorkingDir || '/',
      user,
      hostname: rec.Config.Hostname,
      terminal: rec.Config.Tty,
      consoleSize,
      capabilities: caps,
      noNewPrivileges: security.noNewPrivileges,
      privileged: h.Privileged,
      rlimits: rlimits(h.Ulimits, hostHardLimits()),
      mounts,
      cgroupsPath: cgroupsPathOf(rec.Id),
      resources: resources(h),
      seccomp,
      network: h.NetworkMode === 'host' ? 'host' : joined ? { path: joined.netns } : netns ? { path: netns } : 'private',
      cgroupNamespace: cgroupMode() === 'unified',
    });
  }

  /** True while the container's process may still run: no exit file, and conmon or the runtime says so. */
  private async stillRunning(rec: ContainerRecord): Promise<boolean> {
    if (await exists(this.paths(rec.Id).exitFile)) return false;
    if (rec.State.ConmonPid > 0 && alive(rec.State.ConmonPid)) return true;
    const state = await this.runtimeFor(rec).state(rec.Id).catch(() => undefined);
    return state !== undefined && (state.status === 'running' || state.status === 'paused');
  }

  /**
   * Records how a container ended and releases what it held (runtime state, mount). Caller holds
   * the lock. Returns the exit code.
   */
  private async finish(rec: ContainerRecord): Promise<ContainerRecord> {
    const p = this.paths(rec.Id);
    let code: number;
    let finishedAt: string;
    let error = '';
    try {
      code = Number((await readFile(p.exitFile, 'utf8')).trim());
      finishedAt = (await stat(p.exitFile)).mtime.toISOString();
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      // conmon died without writing the exit code: the container is gone, its code unknown.
      code = 137;
      finishedAt = new Date().toISOString();
      error = 'the container monitor (conmon) died; the exit code is unknown';
    }
    if (Number.isNaN(code)) code = 255;
    const oom = await exists(join(p.userdata, 'oom'));
    // The network goes while the runtime's state and the mount go: none needs the others.
    const leaving = this.leaveNetwork(rec);
    leaving.catch(() => undefined); // awaited below
    await this.runtimeFor(rec).delete(rec.Id, true).catch(() => undefined);
    this.snapshotter(rec).unmount(p.dir);
    await leaving;
    eventLog(this.root).container('die', rec, { exitCode: String(code) });
    eventLog(this.root).mounts('unmount', rec);
    return this.save(rec.Id, (r) => {
      delete r.NetworkSettings;
      r.State = { ...r.State, Status: 'exited', Pid: 0, ConmonPid: 0, ExitCode: code, FinishedAt: finishedAt, Error: error || r.State.Error, OOMKilled: oom };
    });
  }

  async cleanup(ref: string): Promise<void> {
    await this.settle(ref);
  }

  /**
   * After the process exited: records the exit, applies the restart policy, and removes an
   * --rm container unless an attached client will (it needs the exit code first). Returns the
   * exit code, or undefined when the container still runs (or runs again, restarted).
   */
  private async settle(ref: string): Promise<number | undefined> {
    let code: number | undefined;
    let remove = false;
    const id = await this.resolve(ref);
    await this.locked(id, async (rec) => {
      if (rec.State.Status !== 'running' && rec.State.Status !== 'paused') {
        code = rec.State.ExitCode;
        return;
      }
      if (await this.stillRunning(rec)) return;
      const done = await this.finish(rec);
      if (shouldRestart(done)) {
        const again = await this.save(rec.Id, (r) => {
          r.RestartCount++;
        });
        await this.launch(again, undefined);
        return;
      }
      code = done.State.ExitCode;
      remove = done.HostConfig.AutoRemove && !(await isHeld(this.paths(id).client));
    });
    if (remove) await this.remove(id, { force: true }).catch((err: unknown) => (isKind(err, 'NotFound') ? undefined : Promise.reject(err)));
    return code;
  }

  async wait(ref: string, opts: { signal?: AbortSignal } = {}): Promise<{ StatusCode: number }> {
    const id = await this.resolve(ref);
    const p = this.paths(id);
    await mkdir(join(this.root, 'exits'), { recursive: true });
    for (;;) {
      const rec = (await this.meta.read()).containers[id];
      if (!rec) throw notFound(`No such container: ${ref}`, ref);
      if (rec.State.Status !== 'running' && rec.State.Status !== 'paused') return { StatusCode: rec.State.ExitCode };
      if (!(await this.stillRunning(rec))) {
        const code = await this.settle(id);
        if (code !== undefined) return { StatusCode: code };
        continue; // restarted by its policy
      }
      await waitForFile(p.exitFile, rec.State.ConmonPid, Infinity, opts.signal);
      opts.signal?.throwIfAborted();
    }
  }

  async list(opts: ListContainersOptions = {}): Promise<ContainerSummary[]> {
    // Each document read is a parse of the whole file: the daemon answers this often (ps, compose, SDKs).
    const doc = await this.reconcile();
    const filters = parseContainerFilters(opts.filters ?? {});
    const imageDoc = filters.ancestor.length > 0 || opts.size ? await this.store.document() : undefined;
    let recs = Object.values(doc.containers).sort((a, b) => b.Created.localeCompare(a.Created));
    if (!opts.all && !opts.latest && opts.limit === undefined) recs = recs.filter((r) => r.State.Status === 'running' || r.State.Status === 'paused' || r.State.Status === 'restarting');
    recs = recs.filter((r) => matchContainerFilters(filters, r, imageDoc));
    if (opts.latest) recs = recs.slice(0, 1);
    else if (opts.limit !== undefined && opts.limit > 0) recs = recs.slice(0, opts.limit);
    if (!opts.size) return recs.map((r) => containerSummary(r));
    return Promise.all(recs.map(async (r) => ({ ...containerSummary(r), ...(await this.sizes(r, imageDoc?.images[r.Image]?.size ?? 0)) })));
  }

  /** Docker's SizeRw (what the container wrote) and SizeRootFs (that and its image). */
  private async sizes(rec: ContainerRecord, imageSize: number): Promise<{ SizeRw: number; SizeRootFs: number }> {
    const rw = await this.snapshotter(rec).changedSize(this.paths(rec.Id).dir).catch(() => 0);
    return { SizeRw: rw, SizeRootFs: rw + imageSize };
  }

  /** Brings records of containers that died while nobody watched up to date (ps must tell the truth); the document after. */
  private async reconcile(): Promise<ContainersDocument> {
    const doc = await this.meta.read();
    let changed = false;
    for (const rec of Object.values(doc.containers)) {
      if (rec.State.Status !== 'running' && rec.State.Status !== 'paused') continue;
      if (await this.stillRunning(rec)) continue;
      await this.cleanup(rec.Id).catch((err: unknown) => (isKind(err, 'NotFound') ? undefined : Promise.reject(err)));
      changed = true;
    }
    return changed ? this.meta.read() : doc;
  }

  async inspect(ref: string, opts: { size?: boolean } = {}): Promise<Record<string, unknown>> {
    const id = await this.resolve(ref);
    const rec = await this.record(id);
    if ((rec.State.Status === 'running' || rec.State.Status === 'paused') && !(await this.stillRunning(rec))) await this.cleanup(id).catch(() => undefined);
    const fresh = (await this.meta.read()).containers[id] ?? rec;
    const snap = this.snapshotter(fresh);
    const size = opts.size ? await this.sizes(fresh, (await this.store.document()).images[fresh.Image]?.size ?? 0) : {};
    return { ...inspectContainer(fresh, this.paths(id), { name: snap.name, ...snap.paths(this.paths(id).dir) }, this.store), Mounts: inspectMounts(fresh.HostConfig.Mounts, (n) => this.volumes.dataPath(n)), ...size };
  }

  async *logs(ref: string, opts: LogOptions = {}): AsyncIterable<LogEntry> {
    const id = await this.resolve(ref);
    const p = this.paths(id);
    yield* readLog(p.log, opts, async () => {
      const rec = (await this.meta.read()).containers[id];
      return rec !== undefined && (rec.State.Status === 'running' || rec.State.Status === 'paused') && (await this.stillRunning(rec));
    });
  }

  async kill(ref: string, signal = 'KILL'): Promise<void> {
    const rec = await this.record(ref);
    if (!isLive(rec) || !(await this.stillRunning(rec))) {
      throw conflict(`Cannot kill container: ${ref}: ${notRunning(rec).message}`, ref);
    }
    const sig = normalizeSignal(signal);
    await this.runtimeFor(rec).kill(rec.Id, sig);
    eventLog(this.root).container('kill', rec, { signal: signalNumber(sig) });
    // A frozen process gets its SIGKILL only once thawed (Docker thaws it too).
    if (rec.State.Status === 'paused' && (sig === 'KILL' || sig === '9')) await this.unpause(rec.Id).catch(() => undefined);
  }

  async stop(ref: string, opts: { timeout?: number; signal?: string } = {}): Promise<void> {
    const rec = await this.record(ref);
    await this.save(rec.Id, (r) => {
      r.StoppedByUser = true;
    });
    if (!(rec.State.Status === 'running' || rec.State.Status === 'paused') || !(await this.stillRunning(rec))) {
      await this.cleanup(rec.Id);
      return;
    }
    const runtime = this.runtimeFor(rec);
    const timeout = opts.timeout ?? rec.Config.StopTimeout ?? 10;
    const signal = normalizeSignal(opts.signal ?? rec.Config.StopSignal ?? 'TERM');
    if (rec.State.Status === 'paused') await runtime.resume(rec.Id).catch(() => undefined);
    await runtime.kill(rec.Id, signal).catch(() => undefined);
    eventLog(this.root).container('kill', rec, { signal: signalNumber(signal) });
    if (!(await waitForFile(this.paths(rec.Id).exitFile, rec.State.ConmonPid, timeout * 1000))) {
      await runtime.kill(rec.Id, 'KILL', true).catch(() => undefined);
      await waitForFile(this.paths(rec.Id).exitFile, rec.State.ConmonPid, 10_000);
    }
    await this.cleanup(rec.Id);
    eventLog(this.root).container('stop', rec);
  }

  async remove(ref: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const rec = await this.record(ref);
    const running = (rec.State.Status === 'running' || rec.State.Status === 'paused') && (await this.stillRunning(rec));
    if (running) {
      if (!opts.force) {
        throw conflict(`cannot remove container "/${rec.Name}": container is ${rec.State.Status}: stop the container before removing or force remove`, ref);
      }
      const runtime = this.runtimeFor(rec);
      await runtime.kill(rec.Id, 'KILL', true).catch(() => undefined);
      eventLog(this.root).container('kill', rec, { signal: '9' });
      await waitForFile(this.paths(rec.Id).exitFile, rec.State.ConmonPid, 10_000);
    }
    const p = this.paths(rec.Id);
    await withLock(p.lock, 'exclusive', async () => {
      const current = (await this.meta.read()).containers[rec.Id];
      // Another remover won (two clients, one container): the loser hears what Docker says.
      if (!current) throw notFound(`No such container: ${ref}`, ref);
      if (running && isLive(current)) eventLog(this.root).container('die', current, { exitCode: (await readFile(p.exitFile, 'utf8').catch(() => '137')).trim() });
      await this.runtimeFor(rec).delete(rec.Id, true).catch(() => undefined);
      await this.leaveNetwork(current);
      await this.snapshotter(rec).remove(p.dir);
      await this.meta.update((doc) => {
        delete doc.containers[rec.Id];
      });
      eventLog(this.root).container('destroy', rec);
      await rm(p.exitFile, { force: true });
    });
    await removeDirectory(p.dir);
    // `rm -v` and `--rm`: the anonymous volumes go too, unless another container still uses them.
    if (opts.volumes || rec.HostConfig.AutoRemove) {
      for (const m of rec.HostConfig.Mounts ?? []) {
        if (m.Type !== 'volume' || !m.Anonymous || !m.Source) continue;
        await this.volumes.remove(m.Source, (n) => this.volumeUsers(n)).catch((err: unknown) => (isKind(err, 'NotFound') || isKind(err, 'Conflict') ? undefined : Promise.reject(err)));
      }
    }
  }
}

function findContainer(doc: ContainersDocument, ref: string): ContainerRecord {
  const byId = doc.containers[ref];
  if (byId) return byId;
  const name = ref.startsWith('/') ? ref.slice(1) : ref;
  const all = Object.values(doc.containers);
  const byName = all.find((c) => c.Name === name);
  if (byName) return byName;
  if (/^[a-f0-9]+$/.test(ref)) {
    const matches = all.filter((c) => c.Id.startsWith(ref));
    if (matches.length === 1) return matches[0] as ContainerRecord;
    if (matches.length > 1) throw invalidArgument(`multiple containers found with provided prefix: ${ref}`, ref);
  }
  throw notFound(`No such container: ${ref}`, ref);
}

function nameConflict(name: string, holder: string): BerthError {
  return conflict(`Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`, name);
}

/** Docker's text (moby's errNotRunning). */
function notRunning(rec: ContainerRecord): BerthError {
  return conflict(`container ${rec.Id} is not running`, rec.Id);
}

function isLive(rec: ContainerRecord): boolean {
  return rec.State.Status === 'running' || rec.State.Status === 'paused';
}

/**
 * What conmon runs when the container exits: berth's cleanup, unless the container is gone by
 * then. An attached client cleans up itself as soon as it sees the exit, so there the command is
 * only the backup for a client that died: it waits a second, and does not start Node.js (a
 * second process racing the client for the lock) when the client already removed the container.
 */
function cleanupCommand(cleanup: string[], dir: string, clientWaits: boolean): string[] {
  return ['/bin/sh', '-c', `${clientWaits ? 'sleep 1; ' : ''}[ -d "$0" ] || exit 0; exec "$@"`, dir, ...cleanup];
}

/** The container's cgroup, relative to each hierarchy's root (the spec's cgroupsPath). */
export function cgroupsPathOf(id: string): string {
  return `/berth/${id}`;
}

function shouldRestart(rec: ContainerRecord): boolean {
  const policy = rec.HostConfig.RestartPolicy;
  if (rec.StoppedByUser) return false;
  switch (policy.Name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return rec.State.ExitCode !== 0 && (policy.MaximumRetryCount === 0 || rec.RestartCount < policy.MaximumRetryCount);
    default:
      return false;
  }
}

/** Maps the runtime's refusal to start a process to Docker's exit statuses (127 not found, 126 not executable). */
function startError(err: unknown): BerthError {
  const message = err instanceof Error ? err.message : String(err);
  const text = `OCI runtime create failed: ${message}`;
  if (/executable file not found|no such file or directory/i.test(message)) return new BerthError('InvalidArgument', text, { exitStatus: 127 });
  if (/permission denied|is a directory/i.test(message)) return new BerthError('InvalidArgument', text, { exitStatus: 126 });
  return new BerthError('Internal', text);
}

function normalizeSignal(signal: string): string {
  const s = signal.toUpperCase();
  if (/^\d+$/.test(s)) return s;
  return s.startsWith('SIG') ? s.slice(3) : s;
}

/** A process that exists and is not a zombie (a killed conmon may wait to be reaped by a subreaper). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

/** A directory with something mounted on it (its device differs from its parent's). */
function isMountPoint(path: string): boolean {
  try {
    return statSync(path).dev !== statSync(join(path, '..')).dev;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits for conmon's exit file (or for conmon to vanish). Returns true when the file appeared
 * (or the monitor is gone), false on timeout.
 */
async function waitForFile(file: string, conmonPid: number, timeoutMs = Infinity, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const dir = join(file, '..');
  return new Promise((resolve) => {
    let done = false;
    const check = async (): Promise<void> => {
      if (done) return;
      const there = await exists(file);
      const gone = conmonPid > 0 && !alive(conmonPid);
      if (there || gone || Date.now() >= deadline || signal?.aborted) {
        done = true;
        watcher?.close();
        clearInterval(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(there || gone);
      }
    };
    let watcher: ReturnType<typeof watch> | undefined;
    try {
      watcher = watch(dir, () => void check());
    } catch {
      watcher = undefined;
    }
    const timer = setInterval(() => void check(), 100);
    const onAbort = (): void => void check();
    signal?.addEventListener('abort', onAbort);
    void check();
  });
}

/**
 * Removes a container's directory. conmon's exit command (`container cleanup`) may still be
 * touching it (its lock file) while a stop is followed at once by rm: a directory that fills up
 * again under rm -r is tried again, briefly, rather than failing the removal.
 */
async function removeDirectory(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rm(dir, { recursive: true, force: true });
      return;
    } catch (err) {
      if (errnoCode(err) !== 'ENOTEMPTY' || attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
