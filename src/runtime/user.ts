// `--user` as Docker resolves it: name or uid, optionally `:group` (name or gid), looked up in the
// image's /etc/passwd and /etc/group; supplementary groups are the groups that list the user.
import { invalidArgument } from '../errdefs/index.ts';
import { readInRoot } from './rootfs.ts';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface PasswdEntry { name: string; uid: number; gid: number; home: string }
interface GroupEntry { name: string; gid: number; members: string[] }

export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').flatMap((line) => {
    const f = line.split(':');
    if (f.length < 7 || line.startsWith('#')) return [];
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    return Number.isInteger(uid) && Number.isInteger(gid) ? [{ name: f[0] as string, uid, gid, home: f[5] as string }] : [];
  });
}

export function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').flatMap((line) => {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#')) return [];
    const gid = Number(f[2]);
    return Number.isInteger(gid) ? [{ name: f[0] as string, gid, members: (f[3] as string).split(',').filter(Boolean) }] : [];
  });
}

const isId = (s: string): boolean => /^\d+$/.test(s);

/** Pure resolution from the files' text (undefined when the image lacks the file). */
export function resolveUserFrom(spec: string, passwdText: string | undefined, groupText: string | undefined, extraGroups: string[] = []): ResolvedUser {
  const passwd = parsePasswd(passwdText ?? '');
  const groups = parseGroup(groupText ?? '');
  const [userPart = '', groupPart] = (spec || '0').split(':', 2);
  let uid: number;
  let gid = 0;
  let home = '/';
  let name: string | undefined;
  const byName = passwd.find((p) => p.name === userPart);
  const byId = isId(userPart) ? passwd.find((p) => p.uid === Number(userPart)) : undefined;
  if (isId(userPart)) {
    uid = Number(userPart);
    if (byId) ({ gid, home, name } = byId);
  } else if (byName) {
    ({ uid, gid, home, name } = byName);
  } else {
    throw invalidArgument(`unable to find user ${userPart}: no matching entries in passwd file`);
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (isId(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw invalidArgument(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.gid;
    }
  }
  const additional = new Set<number>();
  if (name !== undefined && (groupPart === undefined || groupPart === '')) {
    for (const g of groups) if (g.members.includes(name) && g.gid !== gid) additional.add(g.gid);
  }
  for (const extra of extraGroups) {
    if (isId(extra)) additional.add(Number(extra));
    else {
      const g = groups.find((x) => x.name === extra);
      if (!g) throw invalidArgument(`unable to find group ${extra}: no matching entries in group file`);
      additional.add(g.gid);
    }
  }
  return { uid, gid, additionalGids: [...additional].sort((a, b) => a - b), home };
}

export function resolveUser(rootfs: string, spec: string, extraGroups: string[] = []): ResolvedUser {
  return resolveUserFrom(spec, readInRoot(rootfs, '/etc/passwd'), readInRoot(rootfs, '/etc/group'), extraGroups);
}
