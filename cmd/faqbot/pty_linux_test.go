package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// pty is a pseudo-terminal: what is written to slave, a terminal for
// golang.org/x/term, can be read from master.
type pty struct {
	master, slave *os.File
	read          chan []byte // what master reads, chunk by chunk
}

// openPTY opens a pseudo-terminal and starts reading its output, so that
// a writer never blocks on a full buffer. It skips the test where there
// are none (a container without devpts).
func openPTY(t *testing.T) *pty {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlocking the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("naming the pseudo-terminal: %v", err)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("opening the pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { slave.Close() })
	// No \n to \r\n translation: the test reads what faqbot wrote.
	if tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS); err == nil {
		tio.Oflag &^= unix.OPOST
		unix.IoctlSetTermios(int(slave.Fd()), unix.TCSETS, tio)
	}
	p := &pty{master: master, slave: slave, read: make(chan []byte, 16)}
	go func() {
		defer close(p.read)
		for {
			b := make([]byte, 4096)
			n, err := master.Read(b)
			if n > 0 {
				p.read <- b[:n]
			}
			if err != nil { // EIO once the slave is closed, at the end of the test
				return
			}
		}
	}()
	return p
}

// ptyEnd marks the end of what a test wrote to the terminal.
const ptyEnd = "\x00end of output\x00"

// output returns everything written to the terminal so far: it writes a
// marker and reads up to it, rather than closing the terminal, which can
// drop what the reader has not read yet.
func (p *pty) output(t *testing.T) string {
	t.Helper()
	if _, err := p.slave.WriteString(ptyEnd); err != nil {
		t.Fatalf("writing to the terminal: %v", err)
	}
	var got []byte
	for b := range p.read {
		got = append(got, b...)
		if i := bytes.Index(got, []byte(ptyEnd)); i >= 0 {
			return string(got[:i])
		}
	}
	t.Fatalf("the terminal closed before the end marker; it got %q", got)
	return ""
}

func writeFile(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
