package sources

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
)

// The address rules. A fetch follows links that strangers control — a
// moderator's URL, a sitemap's entries, a redirect, a DNS answer — so
// every connection is checked on the address it is about to reach, after
// resolution: a host name that resolves to 10.0.0.5, a redirect to
// http://169.254.169.254/ and a DNS answer that changes between two
// lookups are all caught at the one place every connection passes.

// metadataAddrs are cloud instance-metadata endpoints: they hand out
// credentials to whoever asks from inside the instance, so they stay
// blocked even when private addresses are allowed.
var metadataAddrs = map[netip.Addr]string{
	netip.MustParseAddr("169.254.169.254"): "AWS, GCP, Azure, OpenStack, Oracle",
	netip.MustParseAddr("169.254.170.2"):   "AWS ECS task",
	netip.MustParseAddr("169.254.169.253"): "AWS DNS",
	netip.MustParseAddr("fd00:ec2::254"):   "AWS IPv6",
	netip.MustParseAddr("100.100.100.200"): "Alibaba Cloud",
	netip.MustParseAddr("168.63.129.16"):   "Azure wire server",
}

// specialPrefixes are special-purpose ranges (RFC 6890 and successors)
// that net/netip has no predicate for, with what they are.
var specialPrefixes = []struct {
	p      netip.Prefix
	reason string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "this-network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (carrier-grade NAT)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001::/32"), "Teredo tunnel"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local NAT64"},
}

// Prefixes that carry an IPv4 address inside an IPv6 one: the embedded
// address is what is reached, so it is judged instead.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// blockedReason says why a connection to ip is not made by default ("loopback",
// "private", …), or "" for an ordinary public address.
func blockedReason(ip netip.Addr) string {
	ip = ip.Unmap().WithZone("")
	if _, ok := metadataAddrs[ip]; ok {
		return "cloud metadata"
	}
	switch {
	case !ip.IsValid():
		return "invalid"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "multicast"
	case ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "broadcast"
	}
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip):
			if r := blockedReason(netip.AddrFrom4([4]byte(b[12:16]))); r != "" {
				return r + " (through NAT64)"
			}
		case sixToFour.Contains(ip):
			if r := blockedReason(netip.AddrFrom4([4]byte(b[2:6]))); r != "" {
				return r + " (through 6to4)"
			}
		}
	}
	for _, sp := range specialPrefixes {
		if sp.p.Contains(ip) {
			return sp.reason
		}
	}
	return ""
}

// isMetadata reports whether ip is a cloud metadata endpoint.
func isMetadata(ip netip.Addr) bool {
	_, ok := metadataAddrs[ip.Unmap().WithZone("")]
	return ok
}

// parseLiteralIP parses a URL host that is an IP address ("10.0.0.1",
// "::1", "[::1]", "fe80::1%eth0").
func parseLiteralIP(host string) (netip.Addr, error) {
	return netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
}

// guard makes every outgoing connection, refusing those to addresses the
// rules block.
type guard struct {
	allowPrivate bool
	// allow are exact address:port pairs allowed whatever they are.
	allow map[netip.AddrPort]bool
	// resolve looks up a host name's addresses.
	resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	// dial connects to one address:port that check has allowed. The
	// default re-checks the address at socket level (net.Dialer.Control),
	// so a connection that bypassed DialContext would still be refused;
	// tests replace it to see every address the fetcher tries to reach.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// newGuard builds the guard for opts.
func newGuard(opts Options) (*guard, error) {
	g := &guard{allowPrivate: opts.AllowPrivate, allow: map[netip.AddrPort]bool{}}
	for _, a := range opts.AllowAddrs {
		ap, err := netip.ParseAddrPort(a)
		if err != nil {
			return nil, fmt.Errorf("allowed address %q: want ip:port: %w", a, err)
		}
		g.allow[netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())] = true
	}
	g.resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
		return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	}
	d := &net.Dialer{Control: g.control}
	g.dial = d.DialContext
	return g, nil
}

// check says whether a connection to ap may be made.
func (g *guard) check(ap netip.AddrPort) error {
	ap = netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port())
	if g.allow[ap] {
		return nil
	}
	reason := blockedReason(ap.Addr())
	if reason == "" || g.allowPrivate && !isMetadata(ap.Addr()) {
		return nil
	}
	return fmt.Errorf("%w: %s is a %s address", ErrBlocked, ap.Addr(), reason)
}

// control is net.Dialer.Control: it sees the numeric address the socket
// is about to connect to.
func (g *guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot read address %q", ErrBlocked, address)
	}
	return g.check(ap)
}

// DialContext resolves address, drops the addresses the rules block and
// connects to the first allowed one that answers. It is the
// http.Transport's only way out.
func (g *guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("%w: network %q", ErrBlocked, network)
	}
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("dialing %s: %w", address, err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("dialing %s: bad port: %w", address, err)
	}
	var addrs []netip.Addr
	if ip, err := parseLiteralIP(host); err == nil {
		addrs = []netip.Addr{ip}
	} else if addrs, err = g.resolve(ctx, host); err != nil {
		return nil, fmt.Errorf("resolving %s: %w", host, err)
	}
	var errs []error
	for _, a := range addrs {
		ap := netip.AddrPortFrom(a.Unmap().WithZone(""), uint16(port))
		if err := g.check(ap); err != nil {
			errs = append(errs, err)
			continue
		}
		conn, err := g.dial(ctx, network, ap.String())
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("resolving %s: no addresses", host)
	}
	if len(errs) > 1 {
		return nil, fmt.Errorf("connecting to %s: %w (and %d more addresses failed)", host, errs[0], len(errs)-1)
	}
	return nil, fmt.Errorf("connecting to %s: %w", host, errs[0])
}

// parseAddrPort joins an address and a decimal port.
func parseAddrPort(ip netip.Addr, port string) (netip.AddrPort, error) {
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, err
	}
	return netip.AddrPortFrom(ip, uint16(p)), nil
}
