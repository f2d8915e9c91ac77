package keyring

import "golang.org/x/sys/unix"

// fineTimeFS reports whether the file at path is on a local file system
// whose times come from the kernel's clock, to its tick: ext4 (with large
// inodes, which tickTimes checks by the fraction of a second), XFS, Btrfs,
// F2FS, tmpfs, overlayfs and ZFS. A network file system is not: its times
// come from a server, whose clock may run behind this one; nor is one this
// list does not know. Those keep stampSettle.
func fineTimeFS(path string) bool {
	var st unix.Statfs_t
	if unix.Statfs(path, &st) != nil {
		return false
	}
	switch uint32(st.Type) {
	case unix.EXT4_SUPER_MAGIC, unix.XFS_SUPER_MAGIC, unix.BTRFS_SUPER_MAGIC, unix.F2FS_SUPER_MAGIC,
		unix.TMPFS_MAGIC, unix.OVERLAYFS_SUPER_MAGIC, zfsSuperMagic:
		return true
	}
	return false
}

// zfsSuperMagic is ZFS on Linux's f_type (not in golang.org/x/sys/unix).
const zfsSuperMagic = 0x2fc12fc1
