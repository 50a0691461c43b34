// Package status models the state of a DRBD resource as drbdsetup and
// /proc/drbd report it, and parses those reports. The parsers are tested on
// output recorded from real DRBD (8.4 in the VM tier's guests) under
// testdata/.
package status

// Role is a resource's or a peer's role.
type Role string

// Roles as DRBD names them.
const (
	Primary   Role = "Primary"
	Secondary Role = "Secondary"
	Unknown   Role = "Unknown"
)

// Disk is a disk state. DRBD 8.4 and 9 use the same names.
type Disk string

// Disk states.
const (
	UpToDate     Disk = "UpToDate"
	Consistent   Disk = "Consistent"
	Inconsistent Disk = "Inconsistent"
	Outdated     Disk = "Outdated"
	Diskless     Disk = "Diskless"
	DUnknown     Disk = "DUnknown"
	Failed       Disk = "Failed"
	Attaching    Disk = "Attaching"
	Negotiating  Disk = "Negotiating"
	Detaching    Disk = "Detaching"
)

// Transitional reports whether d is a short-lived state that settles by
// itself (while attaching or negotiating with the peer).
func (d Disk) Transitional() bool {
	return d == Attaching || d == Negotiating || d == Detaching
}

// Resource is one DRBD resource as seen from this node.
type Resource struct {
	Name      string
	Role      Role
	Suspended string // why I/O is suspended ("user", "no-data", "fencing", ...), "" when it is not
	Volumes   []Volume
	Peers     []Peer
}

// Volume is one local volume (a minor device) of the resource.
type Volume struct {
	Number int // -1 when the report does not say (single-volume 8.4 output)
	Minor  int // -1 when the report does not say
	Disk   Disk
}

// Peer is one connection of the resource. DRBD 8.4 has exactly one, which
// it calls "peer".
type Peer struct {
	Name       string
	Connection string // DRBD 9's connection state; on 8.4 derived from the replication state
	Role       Role
	Volumes    []PeerVolume
}

// PeerVolume is the peer's side of one volume.
type PeerVolume struct {
	Number      int
	Replication string // Established, SyncSource, SyncTarget, Off, ...
	Disk        Disk   // the peer's disk state; DUnknown while disconnected
	Done        string // resync progress in percent when syncing, e.g. "42.17"
}

// Connected reports whether the peer is connected and DRBD knows its disk
// states. A disconnected peer may still show the disk state it was left in
// (Outdated after a successful fence-peer handler).
func (p Peer) Connected() bool {
	if p.Connection != "Connected" || len(p.Volumes) == 0 {
		return false
	}
	for _, v := range p.Volumes {
		if v.Disk == DUnknown || v.Disk == "" {
			return false
		}
	}
	return true
}

// AllDisks reports whether every volume of the peer is in state d.
func (p Peer) AllDisks(d Disk) bool {
	if len(p.Volumes) == 0 {
		return false
	}
	for _, v := range p.Volumes {
		if v.Disk != d {
			return false
		}
	}
	return true
}

// AllDisks reports whether every local volume is in state d.
func (r *Resource) AllDisks(d Disk) bool {
	if len(r.Volumes) == 0 {
		return false
	}
	for _, v := range r.Volumes {
		if v.Disk != d {
			return false
		}
	}
	return true
}

// AnyDisk reports whether some local volume is in one of the states.
func (r *Resource) AnyDisk(ds ...Disk) bool {
	for _, v := range r.Volumes {
		for _, d := range ds {
			if v.Disk == d {
				return true
			}
		}
	}
	return false
}

// Connected reports whether some peer is connected.
func (r *Resource) Connected() bool {
	for _, p := range r.Peers {
		if p.Connected() {
			return true
		}
	}
	return false
}

// PeerPrimary reports whether a connected peer is Primary.
func (r *Resource) PeerPrimary() bool {
	for _, p := range r.Peers {
		if p.Role == Primary {
			return true
		}
	}
	return false
}

// StandAlone reports whether the resource does not even try to connect:
// DRBD 8.4 then lists no peer at all, DRBD 9 a peer in StandAlone.
func (r *Resource) StandAlone() bool {
	if len(r.Peers) == 0 {
		return true
	}
	for _, p := range r.Peers {
		if p.Connection == "StandAlone" {
			return true
		}
	}
	return false
}

// Syncing reports whether a resync runs in either direction.
func (r *Resource) Syncing() bool {
	for _, p := range r.Peers {
		for _, v := range p.Volumes {
			switch v.Replication {
			case "SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT", "WFBitMapS", "WFBitMapT", "WFSyncUUID":
				return true
			}
		}
	}
	return false
}
