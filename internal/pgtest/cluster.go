package pgtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// initArgs are initdb's options: the role tests connect as, trust on the
// loopback-only server, and a fixed encoding and locale so results do not
// depend on the machine's.
var initArgs = []string{"-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"}

// initCluster makes a cluster in data: a copy of the cached one when there
// is one for this PostgreSQL version, else initdb's (then cached).
func initCluster(ctx context.Context, acct account, binDir, dir, data, cacheDir string, logf func(string, ...any)) error {
	cache := ""
	if cacheDir != "-" {
		key, err := clusterKey(ctx, binDir)
		if err == nil {
			if cacheDir == "" {
				if ucd, err := os.UserCacheDir(); err == nil {
					cacheDir = filepath.Join(ucd, "faqbot", "pgtest")
				}
			}
			if cacheDir != "" && cacheDir != "-" {
				cache = filepath.Join(cacheDir, key)
			}
		}
	}
	if cache != "" {
		if _, err := os.Stat(filepath.Join(cache, "PG_VERSION")); err == nil {
			err := copyTree(cache, data, acct)
			if err == nil {
				return nil
			}
			logf("pgtest: copying the cached cluster %s failed, running initdb: %v", cache, err)
			if err := os.RemoveAll(data); err != nil {
				return fmt.Errorf("clearing a half-copied cluster: %w", err)
			}
		}
	}
	cmd := acct.command(binDir, "initdb", dir, append([]string{"-D", data}, initArgs...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := runCtx(ctx, cmd); err != nil {
		return fmt.Errorf("running initdb: %w; its output:\n%s", err, out.String())
	}
	if cache != "" {
		if err := saveCache(data, cache); err != nil {
			logf("pgtest: not caching the cluster: %v", err)
		}
	}
	return nil
}

// runCtx runs cmd, killing it if ctx ends first.
func runCtx(ctx context.Context, cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-done
		return ctx.Err()
	}
}

// clusterKey names a cached cluster: the server's version and the initdb
// options, so a new PostgreSQL or new options never reuse an old one.
func clusterKey(ctx context.Context, binDir string) (string, error) {
	out, err := exec.CommandContext(ctx, filepath.Join(binDir, "postgres"), "--version").Output()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", binDir, bytes.TrimSpace(out), strings.Join(initArgs, " "))
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// saveCache copies a fresh cluster into the cache: to a temporary folder
// first, renamed into place, so a reader never sees half a copy and two
// test binaries caching at once both succeed.
func saveCache(data, cache string) error {
	parent := filepath.Dir(cache)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, ".tmp-")
	if err != nil {
		return err
	}
	if err := copyTree(data, tmp, account{uid: -1, gid: -1}); err != nil {
		return errors.Join(err, os.RemoveAll(tmp))
	}
	if err := os.Rename(tmp, cache); err != nil {
		// Another test binary cached it first: theirs is as good.
		return errors.Join(os.RemoveAll(tmp), ignoreExists(err))
	}
	return nil
}

// ignoreExists drops the error of renaming onto a folder that exists.
func ignoreExists(err error) error {
	if errors.Is(err, fs.ErrExist) || strings.Contains(err.Error(), "directory not empty") {
		return nil
	}
	return err
}

// copyTree copies the folder src to dst (which may exist, empty),
// keeping modes, and hands everything to acct's user when acct names one
// (uid -1: keep the copier's).
func copyTree(src, dst string, acct account) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			if err := os.MkdirAll(target, info.Mode().Perm()); err != nil {
				return err
			}
			// MkdirAll leaves an existing folder's mode alone, and the
			// server insists on 0700 for its data folder.
			if err := os.Chmod(target, info.Mode().Perm()); err != nil {
				return err
			}
		case d.Type().IsRegular():
			if err := copyFile(path, target, info.Mode().Perm()); err != nil {
				return err
			}
		default:
			return fmt.Errorf("copying %s: not a file or a folder", path)
		}
		if acct.uid >= 0 && os.Geteuid() == 0 {
			return os.Lchown(target, acct.uid, acct.gid)
		}
		return nil
	})
}

// copyFile copies one file with the given mode.
func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		return errors.Join(err, out.Close())
	}
	return out.Close()
}
