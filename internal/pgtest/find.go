package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// ErrNotInstalled means no PostgreSQL server binaries were found: the
// tests that need one skip (or, with RequireEnv set, fail).
var ErrNotInstalled = errors.New("PostgreSQL is not installed")

// debianBinGlob is where Debian and Ubuntu put the server binaries: not on
// the PATH, one folder per major version.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// findBinDir returns the folder holding initdb and postgres: the one given,
// else the PATH's, else the newest Debian version's.
func findBinDir(given string) (string, error) {
	if given != "" {
		if !hasServer(given) {
			return "", fmt.Errorf("%w: no initdb and postgres in %s", ErrNotInstalled, given)
		}
		return given, nil
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		// /usr/local/bin/initdb may be a symlink into the versioned folder,
		// which is the one that holds postgres beside it.
		if real, err := filepath.EvalSymlinks(p); err == nil && hasServer(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
		if hasServer(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob(debianBinGlob)
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	for _, d := range dirs {
		if hasServer(d) {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w: looked for initdb on the PATH and in %s; install it with `apt-get install -y postgresql` (Debian/Ubuntu), or set %s to a server's URL",
		ErrNotInstalled, debianBinGlob, URLEnv)
}

// hasServer reports whether dir holds the two programs a server needs.
func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// majorOf is the version number in /usr/lib/postgresql/<major>/bin, so that
// 16 sorts above 9; 0 when there is none.
func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// account is who runs the server. PostgreSQL refuses to run as root, so a
// root test process runs it as the postgres user that Debian's package
// creates; anyone else runs it as themselves.
type account struct {
	cred     *syscall.Credential // nil: as this process
	uid, gid int
}

// serverAccount picks the account to run the server as.
func serverAccount() (account, error) {
	if os.Geteuid() != 0 {
		return account{uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return account{}, fmt.Errorf("%w: running as root, and PostgreSQL refuses root, but there is no postgres user to run it as: %v",
			ErrNotInstalled, err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err := errors.Join(err1, err2); err != nil {
		return account{}, fmt.Errorf("reading the postgres user's IDs: %w", err)
	}
	return account{
		cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}},
		uid:  uid, gid: gid,
	}, nil
}

// command is a server program run as a.
func (a account) command(binDir, name, dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	// The working folder must be one the server's account may enter (the
	// test's may be under /root), and messages must be in English: start
	// waits for one of them.
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), "LC_ALL=C", "LANG=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: a.cred,
		// If the test binary dies (a panic, go test's timeout), the
		// server dies with it instead of outliving the run.
		Pdeathsig: syscall.SIGKILL,
		Setpgid:   true,
	}
	return cmd
}

// cleanEnv is this process's environment without the variables that
// would point the server programs elsewhere (PGDATA, PGPORT, ...).
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}
