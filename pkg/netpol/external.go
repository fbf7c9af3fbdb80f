package netpol

import (
	"net/netip"
	"slices"
)

// Range is a contiguous range of addresses outside the workloads.
type Range struct{ From, To netip.Addr }

func (r Range) String() string {
	if p, ok := r.prefix(); ok {
		return p.String()
	}
	return r.From.String() + "-" + r.To.String()
}

// prefix returns the range as a CIDR when it is exactly one.
func (r Range) prefix() (netip.Prefix, bool) {
	for bits := 0; bits <= r.From.BitLen(); bits++ {
		p := netip.PrefixFrom(r.From, bits).Masked()
		if p.Addr() == r.From && lastAddr(p) == r.To {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Addr().AsSlice()
	for i := range a {
		bitStart := i * 8
		switch {
		case bitStart >= p.Bits():
			a[i] = 0xff
		case bitStart+8 > p.Bits():
			a[i] |= byte(0xff >> (p.Bits() - bitStart))
		}
	}
	out, _ := netip.AddrFromSlice(a)
	return out
}

// ExternalRanges cuts the IPv4 and IPv6 address spaces at every boundary
// of every ipBlock (CIDRs and their exceptions) and of every networks peer
// of the AdminNetworkPolicies and the BaselineAdminNetworkPolicy, so that
// within one range every policy decides alike: evaluating its first
// address decides it all.
func (m *Model) ExternalRanges() []Range {
	var cuts []netip.Addr
	cut := func(pr netip.Prefix) {
		cuts = append(cuts, pr.Addr())
		if next := lastAddr(pr).Next(); next.IsValid() {
			cuts = append(cuts, next)
		}
	}
	for _, p := range m.Policies {
		for _, r := range append(append([]*Rule{}, p.IngressRules...), p.EgressRules...) {
			for _, pe := range r.Peers {
				if pe.Block == nil {
					continue
				}
				for _, pr := range append([]netip.Prefix{pe.Block.CIDR}, pe.Block.Except...) {
					cut(pr)
				}
			}
		}
	}
	for _, p := range m.adminPolicies() {
		for _, r := range p.EgressRules {
			for _, pe := range r.Peers {
				for _, pr := range pe.Networks {
					cut(pr)
				}
			}
		}
	}
	var out []Range
	for _, family := range []struct{ first, last netip.Addr }{
		{netip.AddrFrom4([4]byte{}), netip.AddrFrom4([4]byte{255, 255, 255, 255})},
		{netip.IPv6Unspecified(), lastAddr(netip.MustParsePrefix("::/0"))},
	} {
		starts := []netip.Addr{family.first}
		for _, c := range cuts {
			if c.Is4() == family.first.Is4() && c != family.first {
				starts = append(starts, c)
			}
		}
		slices.SortFunc(starts, func(a, b netip.Addr) int { return a.Compare(b) })
		starts = slices.Compact(starts)
		for i, s := range starts {
			end := family.last
			if i+1 < len(starts) {
				end = starts[i+1].Prev()
			}
			out = append(out, Range{s, end})
		}
	}
	return out
}
