// Package nfsbackend is the home of what Baton's NFS agents (nfsserver,
// exportfs, nfsnotify) share, so that each agent package holds one agent
// and no agent imports another:
//
//   - ganesha: NFS-Ganesha's generated configuration and the node-local
//     directory the agents share (config, export files, pid, state);
//   - nfsdfs: the kernel server's files (/proc/fs/nfsd, etab, rmtab, the
//     mount and process tables), rooted at a path passed in;
//   - rpcping: ONC RPC probes (NULL calls, the MOUNT export list);
//   - hostsys: the seam through which the agents change the host (run and
//     start programs, write files, mount), with an in-memory fake.
package nfsbackend
