// System routes: /_ping, /version, /info.
import { cpus, hostname, release, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import type { Route } from '../router.ts';
import { API_VERSION, MIN_API_VERSION } from '../server.ts';

const arch = process.arch === 'x64' ? 'amd64' : process.arch;

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

export const systemRoutes: Route[] = [
  {
    method: 'GET',
    path: '/_ping',
    // No Builder-Version: the CLI then uses the classic POST /build upload, which berth serves.
    handler: async (_req, reply) => reply.empty(200, 'OK', { 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache' }),
  },
  {
    method: 'HEAD',
    path: '/_ping',
    handler: async (_req, reply) => reply.empty(200, '', { 'Cache-Control': 'no-cache, no-store, must-revalidate', Pragma: 'no-cache' }),
  },
  {
    method: 'GET',
    path: '/version',
    handler: async (_req, reply, { state }) => {
      const v = state.info.version;
      const details = { ApiVersion: API_VERSION, Arch: arch, BuildTime: '', Experimental: 'false', GitCommit: '', GoVersion: `node${process.versions.node}`, KernelVersion: release(), MinAPIVersion: MIN_API_VERSION, Os: 'linux' };
      reply.json(200, {
        Platform: { Name: 'berth' },
        Components: [{ Name: 'Engine', Version: v, Details: details }],
        Version: v,
        ApiVersion: API_VERSION,
        MinAPIVersion: MIN_API_VERSION,
        GitCommit: '',
        GoVersion: `node${process.versions.node}`,
        Os: 'linux',
        Arch: arch,
        KernelVersion: release(),
        BuildTime: '',
      });
    },
  },
  {
    method: 'GET',
    path: '/info',
    handler: async (_req, reply, { engine, state }) => {
      const containers = await engine.containers.list({ all: true });
      const images = await engine.images.list();
      const count = (s: string): number => containers.filter((c) => c.State === s).length;
      const config = state.info.config;
      reply.json(200, {
        ID: state.info.root,
        Containers: containers.length,
        ContainersRunning: count('running'),
        ContainersPaused: count('paused'),
        ContainersStopped: containers.length - count('running') - count('paused'),
        Images: images.length,
        Driver: 'overlay2',
        DriverStatus: [['Backing Filesystem', 'extfs']],
        Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'none'], Authorization: null, Log: ['k8s-file'] },
        MemoryLimit: true,
        SwapLimit: true,
        CpuCfsPeriod: true,
        CpuCfsQuota: true,
        CPUShares: true,
        PidsLimit: true,
        IPv4Forwarding: true,
        Debug: config.debug === true,
        NFd: 0,
        NGoroutines: 0,
        SystemTime: new Date().toISOString(),
        LoggingDriver: config['log-driver'] ?? 'k8s-file',
        CgroupDriver: 'cgroupfs',
        CgroupVersion: '2',
        KernelVersion: release(),
        OperatingSystem: osName(),
        OSVersion: '',
        OSType: 'linux',
        Architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
        IndexServerAddress: 'https://index.docker.io/v1/',
        RegistryConfig: {
          InsecureRegistryCIDRs: ['127.0.0.0/8', '::1/128'],
          IndexConfigs: {},
          Mirrors: config['registry-mirrors'] ?? [],
        },
        NCPU: cpus().length,
        MemTotal: totalmem(),
        DockerRootDir: state.info.root,
        Name: hostname(),
        Labels: [],
        ExperimentalBuild: false,
        ServerVersion: state.info.version,
        Runtimes: { runc: { path: 'runc' } },
        DefaultRuntime: 'runc',
        Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
        LiveRestoreEnabled: true,
        Isolation: '',
        InitBinary: 'catatonit',
        SecurityOptions: ['name=seccomp,profile=builtin'],
        Warnings: [],
      });
    },
  },
];
