// Package pgtest gives tests a real, throwaway PostgreSQL server: started
// from the installed server binaries (Debian's postgresql package) in a
// temporary folder on a free loopback port, with one fresh database per
// test, and removed when the tests end.
//
// A package whose tests need PostgreSQL calls Main from its TestMain and
// Database from each test:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		url := pgtest.Database(t) // postgres://... of a new, empty database
//		...
//	}
//
// When PostgreSQL is not installed, Database skips the test with a message
// saying how to install it, unless RequireEnv is set (as .ci/run does, after
// installing it), when it fails instead. URLEnv points the tests at an
// existing server instead of starting one.
package pgtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options configure Start.
type Options struct {
	// BinDir holds initdb and postgres; found when empty (the PATH, then
	// /usr/lib/postgresql/<newest>/bin).
	BinDir string
	// Durable keeps PostgreSQL's defaults of fsync on and synchronous
	// commits, for measurements. Tests leave it off: a throwaway server
	// need not survive a power cut, and fsync is most of the time spent.
	Durable bool
	// CacheDir keeps an initialised cluster to copy instead of running
	// initdb every time (about two seconds); empty means a folder in the
	// user's cache directory, "-" means no cache.
	CacheDir string
	// Logf receives progress and the server's log when it fails to start;
	// discarded when nil.
	Logf func(format string, args ...any)
}

// Server is a running PostgreSQL server that Start made. Stop removes it.
type Server struct {
	dir  string // the temporary folder: data/ and the log
	port int
	cmd  *exec.Cmd
	done chan struct{} // closed when the server process has exited
	log  *syncBuffer

	stopOnce sync.Once
	stopErr  error
}

// startTimeout bounds a server start: generous, because CI is a busy
// 2-core machine, but a start that hangs must not hang the tests.
const startTimeout = 90 * time.Second

// stopTimeout is how long a fast shutdown may take before the server is
// killed.
const stopTimeout = 30 * time.Second

// readyLine is what the server logs once it accepts connections.
const readyLine = "database system is ready to accept connections"

// portAttempts is how often Start picks another port when the one it
// picked was taken in the meantime (other test binaries start servers too).
const portAttempts = 5

// Start initialises a cluster in a new temporary folder and starts a
// server on a free port of 127.0.0.1, trusting local connections from the
// role "postgres". It returns an error wrapping ErrNotInstalled when there
// is no PostgreSQL to start.
func Start(ctx context.Context, opts Options) (*Server, error) {
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	binDir, err := findBinDir(opts.BinDir)
	if err != nil {
		return nil, err
	}
	acct, err := serverAccount()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()

	removeOrphans(os.TempDir(), logf)
	dir, err := os.MkdirTemp("", tempPrefix)
	if err != nil {
		return nil, fmt.Errorf("making the server's folder: %w", err)
	}
	fail := func(err error) (*Server, error) {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return fail(fmt.Errorf("marking the server's folder: %w", err))
	}
	if err := os.Chown(dir, acct.uid, acct.gid); err != nil {
		return fail(fmt.Errorf("handing the server's folder to uid %d: %w", acct.uid, err))
	}
	data := filepath.Join(dir, "data")
	if err := initCluster(ctx, acct, binDir, dir, data, opts.CacheDir, logf); err != nil {
		return fail(err)
	}
	var lastErr error
	for range portAttempts {
		port, err := freePort()
		if err != nil {
			return fail(err)
		}
		s, err := launch(ctx, acct, binDir, dir, data, port, opts.Durable)
		if err == nil {
			logf("pgtest: PostgreSQL (%s) listening on 127.0.0.1:%d, data in %s", binDir, port, data)
			return s, nil
		}
		lastErr = err
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	return fail(lastErr)
}

// errPortTaken means another process bound the port first.
var errPortTaken = errors.New("port taken")

// launch runs the server on port and waits until it accepts connections.
func launch(ctx context.Context, acct account, binDir, dir, data string, port int, durable bool) (*Server, error) {
	args := []string{"-D", data,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "port=" + strconv.Itoa(port),
		// No Unix socket: /var/run/postgresql may not exist or may belong
		// to a system server; TCP on loopback is all the tests use.
		"-c", "unix_socket_directories=",
		// Small: up to eight engineers' test binaries may each run one.
		"-c", "shared_buffers=32MB",
		"-c", "max_connections=200",
	}
	if !durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := acct.command(binDir, "postgres", dir, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("starting postgres: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting postgres: %w", err)
	}
	s := &Server{dir: dir, port: port, cmd: cmd, done: make(chan struct{}), log: &syncBuffer{}}
	ready := make(chan struct{})
	go func() {
		// Keep the log, and say when the server is ready: the event to
		// wait on, rather than retrying connections on a timer.
		sc := bufio.NewScanner(stderr)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			s.log.WriteLine(line)
			if !signalled && strings.Contains(line, readyLine) {
				close(ready)
				signalled = true
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	select {
	case <-ready:
		return s, nil
	case <-s.done:
		log := s.log.String()
		if strings.Contains(log, "Address already in use") {
			return nil, fmt.Errorf("starting postgres on port %d: %w", port, errPortTaken)
		}
		return nil, fmt.Errorf("starting postgres: it exited (%v); its log:\n%s", cmd.ProcessState, log)
	case <-ctx.Done():
		_ = s.kill()
		return nil, fmt.Errorf("starting postgres: not ready: %w; its log:\n%s", ctx.Err(), s.log.String())
	}
}

// Port is the loopback port the server listens on.
func (s *Server) Port() int { return s.port }

// URL is the connection URL of database db as the superuser "postgres".
func (s *Server) URL(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User("postgres"),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)), Path: "/" + db,
		RawQuery: "sslmode=disable"}
	return u.String()
}

// Log is what the server has logged so far.
func (s *Server) Log() string { return s.log.String() }

// Stop shuts the server down (killing it if a fast shutdown takes too
// long) and removes its folder. It may be called more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		// SIGINT is PostgreSQL's fast shutdown: it ends every session and
		// needs no checkpoint wait from us.
		err := s.cmd.Process.Signal(syscall.SIGINT)
		if err != nil && !errors.Is(err, os.ErrProcessDone) {
			err = fmt.Errorf("stopping postgres: %w", err)
		} else {
			err = nil
		}
		select {
		case <-s.done:
		case <-time.After(stopTimeout):
			err = errors.Join(err, s.kill())
		}
		s.stopErr = errors.Join(err, os.RemoveAll(s.dir))
	})
	return s.stopErr
}

// kill ends the server and its children now, and waits for it.
func (s *Server) kill() error {
	// The server runs in a process group of its own: kill the backends too.
	err := syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("killing postgres: %w", err)
	}
	return nil
}

// CreateDatabase makes a new, empty database whose name starts with hint
// (made safe for a name) and returns its URL and the name.
func CreateDatabase(ctx context.Context, adminURL, hint string) (dbURL, name string, err error) {
	name = databaseName(hint)
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", "", fmt.Errorf("connecting to create a database: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", "", fmt.Errorf("creating database %s: %w", name, err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", "", fmt.Errorf("reading the server URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), name, nil
}

// DropDatabase removes database name, ending its sessions first.
func DropDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connecting to drop a database: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("dropping database %s: %w", name, err)
	}
	return nil
}

// notName matches what may not be in a database name we make.
var notName = regexp.MustCompile(`[^a-z0-9_]+`)

// maxHint keeps a name within PostgreSQL's 63 bytes with room for the
// random suffix that makes it unique across tests and test binaries.
const maxHint = 40

// databaseName is hint in lower case with anything but letters, digits
// and _ replaced, cut short, and a random suffix.
func databaseName(hint string) string {
	h := strings.Trim(notName.ReplaceAllString(strings.ToLower(hint), "_"), "_")
	if len(h) > maxHint {
		h = h[:maxHint]
	}
	if h == "" || (h[0] >= '0' && h[0] <= '9') {
		h = "t_" + h
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	return h + "_" + hex.EncodeToString(b[:])
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before the server binds it; Start then tries again.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer is a log that one goroutine writes and others read.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// maxLog bounds the kept log: a server that logs without end must not
// grow the test's memory without end.
const maxLog = 1 << 20

// WriteLine appends one line.
func (b *syncBuffer) WriteLine(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() < maxLog {
		b.buf.WriteString(line)
		b.buf.WriteByte('\n')
	}
}

// String is the log so far.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
