package sources

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestBlockedReason(t *testing.T) {
	tests := []struct {
		addr string
		want string // "" for an address that is fetched
	}{
		{"93.184.215.14", ""},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", ""},
		{"8.8.8.8", ""},
		{"127.0.0.1", "loopback"},
		{"127.53.1.9", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"::ffff:192.168.1.1", "private"},
		{"fc00::1", "private"},
		{"fd12:3456::1", "private"},
		{"169.254.1.1", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"169.254.169.254", "cloud metadata"},
		{"::ffff:169.254.169.254", "cloud metadata"},
		{"fd00:ec2::254", "cloud metadata"},
		{"100.100.100.200", "cloud metadata"},
		{"168.63.129.16", "cloud metadata"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"0.1.2.3", "this-network"},
		{"100.64.0.1", "shared (carrier-grade NAT)"},
		{"224.0.0.1", "link-local"},
		{"239.1.2.3", "multicast"},
		{"ff02::1", "link-local"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"198.18.0.1", "benchmarking"},
		{"192.0.2.1", "documentation"},
		{"2001:db8::1", "documentation"},
		{"64:ff9b::10.0.0.1", "private (through NAT64)"},
		{"64:ff9b::8.8.8.8", ""},
		{"2002:7f00:1::", "loopback (through 6to4)"},
		{"2002:a9fe:a9fe::", "cloud metadata (through 6to4)"},
		{"::127.0.0.1", "IPv4-compatible"},
		{"2001::1", "Teredo tunnel"},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			if got := blockedReason(netip.MustParseAddr(tc.addr)); got != tc.want {
				t.Errorf("blockedReason(%s) = %q, want %q", tc.addr, got, tc.want)
			}
		})
	}
}

func TestGuardCheck(t *testing.T) {
	ap := netip.MustParseAddrPort
	tests := []struct {
		name  string
		opts  Options
		addr  netip.AddrPort
		allow bool
	}{
		{"public", Options{}, ap("8.8.8.8:443"), true},
		{"loopback by default", Options{}, ap("127.0.0.1:8080"), false},
		{"loopback when private is allowed", Options{AllowPrivate: true}, ap("127.0.0.1:8080"), true},
		{"private when private is allowed", Options{AllowPrivate: true}, ap("10.0.0.8:80"), true},
		{"metadata even when private is allowed", Options{AllowPrivate: true}, ap("169.254.169.254:80"), false},
		{"mapped metadata even when private is allowed", Options{AllowPrivate: true}, ap("[::ffff:169.254.169.254]:80"), false},
		{"an exact allowed address", Options{AllowAddrs: []string{"127.0.0.1:8080"}}, ap("127.0.0.1:8080"), true},
		{"another port of an allowed address", Options{AllowAddrs: []string{"127.0.0.1:8080"}}, ap("127.0.0.1:8081"), false},
		{"the mapped form of an allowed address", Options{AllowAddrs: []string{"127.0.0.1:8080"}}, ap("[::ffff:127.0.0.1]:8080"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := newGuard(tc.opts.withDefaults())
			if err != nil {
				t.Fatal(err)
			}
			err = g.check(tc.addr)
			if (err == nil) != tc.allow || err != nil && !errors.Is(err, ErrBlocked) {
				t.Errorf("check(%s) = %v, want allowed %v", tc.addr, err, tc.allow)
			}
			if err := g.control("tcp", tc.addr.String(), nil); (err == nil) != tc.allow {
				t.Errorf("the dialer's Control(%s) = %v, want allowed %v", tc.addr, err, tc.allow)
			}
		})
	}
	if _, err := New(Options{AllowAddrs: []string{"localhost"}}); err == nil {
		t.Error("an allowed address without a port was accepted")
	}
}

// TestSSRF fetches through redirects and DNS answers that lead to
// addresses the rules block. The test's own servers are on loopback and
// allowed by exact address; every other address must be refused before
// any connection (the test dialer fails the test on any connection that
// is not to loopback).
func TestSSRF(t *testing.T) {
	ctx := testCtx(t)
	site := newTestSite(t)
	internal := newTestSite(t) // loopback too, but not allowed
	internal.set("/admin", testPage{body: docPage("Internal admin", "", para("admin", 1))})
	internal.set("/robots.txt", testPage{status: 404})
	site.set("/robots.txt", testPage{status: 404})
	site.set("/to-internal", testPage{redirect: internal.URL("/admin")})
	site.set("/to-metadata", testPage{redirect: "http://169.254.169.254/latest/meta-data/iam/security-credentials/"})
	site.set("/to-private", testPage{redirect: "http://10.0.0.1/"})
	site.set("/to-mapped", testPage{redirect: "http://[::ffff:a9fe:a9fe]/"})
	site.set("/to-name", testPage{redirect: "http://intranet.corp.example/"})
	site.set("/to-file", testPage{redirect: "file:///etc/passwd"})
	site.set("/to-creds", testPage{redirect: "http://user:pass@" + internal.addr() + "/admin"})
	hosts := map[string][]netip.Addr{
		"intranet.corp.example":    {netip.MustParseAddr("10.20.30.40")},
		"metadata.google.internal": {netip.MustParseAddr("169.254.169.254")},
		"rebind.example":           {netip.MustParseAddr("192.168.0.10"), netip.MustParseAddr("172.16.5.5")},
		"internal-by-name.example": {netip.MustParseAddr("127.0.0.1")},
		"mixed.example":            {netip.MustParseAddr("10.9.9.9"), netip.MustParseAddr("fd00::9")},
	}

	for _, tc := range []struct {
		name, url string
		opts      Options
	}{
		{"redirect to an internal server", site.URL("/to-internal"), Options{}},
		{"redirect to cloud metadata", site.URL("/to-metadata"), Options{}},
		{"redirect to a private address", site.URL("/to-private"), Options{}},
		{"redirect to metadata as a mapped IPv6 address", site.URL("/to-mapped"), Options{}},
		{"redirect to a name that resolves to a private address", site.URL("/to-name"), Options{}},
		{"redirect to a file", site.URL("/to-file"), Options{}},
		{"redirect carrying credentials", site.URL("/to-creds"), Options{}},
		{"a name that resolves to metadata", "http://metadata.google.internal/computeMetadata/v1/", Options{}},
		{"metadata stays blocked when private is allowed", "http://metadata.google.internal/computeMetadata/v1/", Options{AllowPrivate: true}},
		{"a name whose every address is private", "http://rebind.example/", Options{}},
		{"a name for loopback on a port not allowed", "http://internal-by-name.example:" + internal.srv.URL[strings.LastIndex(internal.srv.URL, ":")+1:] + "/admin", Options{}},
		{"a name with private addresses of both families", "http://mixed.example/", Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, dials := newTestFetcher(t, tc.opts, hosts, site)
			res, err := f.Fetch(ctx, Request{Source: Source{Kind: KindPage, URL: tc.url}})
			t.Log(err)
			if !errors.Is(err, ErrBlocked) {
				t.Errorf("error %v, want ErrBlocked", err)
			}
			if len(res.Added) != 0 {
				t.Errorf("fetched %d pages", len(res.Added))
			}
			for _, a := range dials.list() {
				if a != site.addr() {
					t.Errorf("connected to %s; only the allowed site %s may be reached", a, site.addr())
				}
			}
		})
	}
	if n := internal.hitsUnder("/"); n != 0 {
		t.Errorf("the internal server was reached %d times", n)
	}

	t.Run("allowed when private addresses are allowed", func(t *testing.T) {
		f, _ := newTestFetcher(t, Options{AllowPrivate: true}, hosts)
		res, err := f.Fetch(ctx, Request{Source: Source{Kind: KindPage, URL: site.URL("/to-internal")}})
		if err != nil || len(res.Added) != 1 || res.Added[0].URL != internal.URL("/admin") {
			t.Fatalf("with private addresses allowed: %v, %s", err, res.Summary())
		}
	})

	t.Run("a moderator's literal private URL is refused when added", func(t *testing.T) {
		f, _ := newTestFetcher(t, Options{}, hosts, site)
		for _, u := range []string{"http://127.0.0.1/faq", "http://[::1]:8080/", "https://169.254.169.254/", "http://10.0.0.1/sitemap.xml",
			"http://0.0.0.0/", "https://github.com:443@10.0.0.1/", "http://[fe80::1%25eth0]/"} {
			src, err := ParseSource(u)
			if err == nil {
				err = f.Check(src)
			}
			if !errors.Is(err, ErrBlocked) && !errors.Is(err, ErrBadSource) {
				t.Errorf("adding %s: %v, want it refused", u, err)
			}
		}
		if err := f.Check(Source{Kind: KindPage, URL: site.URL("/to-internal")}); err != nil {
			t.Errorf("the allowed test site is refused: %v", err)
		}
	})

	t.Run("only loopback was ever dialled", func(t *testing.T) {
		// The test dialer already fails the test otherwise; this says so.
		f, dials := newTestFetcher(t, Options{}, hosts, site)
		_, _ = f.Fetch(ctx, Request{Source: Source{Kind: KindPage, URL: site.URL("/to-metadata")}})
		got := dials.list()
		if len(got) == 0 || slices.ContainsFunc(got, func(a string) bool { return a != site.addr() }) {
			t.Errorf("dialled %v, want only %s", got, site.addr())
		}
	})
}
