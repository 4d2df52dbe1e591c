package corpus

import (
	"io/fs"
	"path"
	"strings"
)

// maxLinkHops bounds the symbolic links followed from one corpus entry,
// as the kernel bounds them (ELOOP).
const maxLinkHops = 40

// symlinkEscapes reports why the symbolic link at p (a path in fsys) must
// not be read, or "" when it resolves to a file inside fsys. os.DirFS
// follows links wherever they point, so without this check a link in the
// corpus folder to /etc/passwd or ../secrets.md would be loaded and quoted
// to anyone who asks. A link is read only when every hop stays inside the
// folder and never passes through a linked folder; a file system that
// cannot read links (fs.ReadLinkFS) gets none of its links read. Callers
// that can should also hand LoadFS an os.Root's FS, which refuses at
// open time any path that resolves outside the folder: that closes the
// window between this check and the read in which a link could be swapped.
func symlinkEscapes(fsys fs.FS, p string) string {
	rl, ok := fsys.(fs.ReadLinkFS)
	if !ok {
		return "symbolic link"
	}
	cur := p
	for range maxLinkHops {
		target, err := rl.ReadLink(cur)
		if err != nil {
			return "unreadable"
		}
		if path.IsAbs(target) || strings.HasPrefix(target, `\`) || strings.Contains(target, ":") {
			return "symbolic link outside the corpus folder"
		}
		next := path.Join(path.Dir(cur), target)
		if next == ".." || strings.HasPrefix(next, "../") || next == "." {
			return "symbolic link outside the corpus folder"
		}
		// Each folder on the way must be a real folder: a linked folder
		// could lead anywhere.
		dirs := strings.Split(path.Dir(next), "/")
		for i := range dirs {
			if dirs[0] == "." {
				break
			}
			info, err := rl.Lstat(strings.Join(dirs[:i+1], "/"))
			if err != nil {
				return "unreadable"
			}
			if info.Mode()&fs.ModeSymlink != 0 {
				return "symbolic link through a linked folder"
			}
		}
		info, err := rl.Lstat(next)
		if err != nil {
			return "unreadable"
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			return ""
		}
		cur = next
	}
	return "symbolic link loop"
}
