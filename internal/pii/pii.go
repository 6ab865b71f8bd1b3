// Package pii detects and redacts personal data typed into free text:
// Swedish personnummer and samordningsnummer, organisationsnummer, phone
// numbers, e-mail, IP addresses, IBAN, payment cards, bankgiro and plusgiro
// numbers, Swedish postal addresses, Norwegian fødselsnummer, Finnish HETU,
// Danish CPR (only when labelled) and organisation-defined patterns.
//
// Every built-in entity is validated (dates, Luhn, mod-97, mod-11, netip),
// not only matched, so that dates, amounts, case numbers and version strings
// do not fire. Scanning is a single pass over the bytes that only looks
// closer at digit runs, '@', ':', '+' and upper-case letter pairs; regular
// expressions are used only for organisation-defined patterns.
//
// A Detector holds no mutable state after New and is safe for concurrent use.
package pii

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// Kind names a class of personal (or personal-looking) data.
type Kind string

// Kinds reported by the detector. The string values are stable and used in
// JSON, configuration and redaction labels.
const (
	Personnummer      Kind = "personnummer"
	Samordningsnummer Kind = "samordningsnummer"
	// Orgnummer is a Swedish organisationsnummer. It is not personal data;
	// it is reported so that it is not mistaken for a personnummer and is
	// not redacted by default.
	Orgnummer     Kind = "orgnummer"
	Phone         Kind = "phone"
	Email         Kind = "email"
	IPv4          Kind = "ipv4"
	IPv6          Kind = "ipv6"
	IBAN          Kind = "iban"
	Card          Kind = "card"
	Bankgiro      Kind = "bankgiro"
	Plusgiro      Kind = "plusgiro"
	Address       Kind = "address"
	Custom        Kind = "custom"
	Fodselsnummer Kind = "fodselsnummer"
	CPR           Kind = "cpr"
	HETU          Kind = "hetu"
)

// allKinds lists every kind in priority order: when two candidates of equal
// length and confidence overlap, the earlier kind wins.
var allKinds = [...]Kind{
	Personnummer, Samordningsnummer, Orgnummer, Fodselsnummer, HETU, CPR,
	IBAN, Card, Bankgiro, Plusgiro, Email, IPv6, IPv4, Phone, Address, Custom,
}

// Kinds returns every kind the package can report, in priority order.
// The returned slice is a fresh copy.
func Kinds() []Kind { return slices.Clone(allKinds[:]) }

// ParseKind returns the Kind named s (case-insensitive, surrounding space
// ignored) or an error naming s if it is not a known kind.
func ParseKind(s string) (Kind, error) {
	t := Kind(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range allKinds {
		if k == t {
			return k, nil
		}
	}
	return "", fmt.Errorf("pii: unknown kind %q", s)
}

// kindRank returns k's index in allKinds, or len(allKinds) if unknown.
func kindRank(k Kind) int {
	switch k {
	case Personnummer:
		return 0
	case Samordningsnummer:
		return 1
	case Orgnummer:
		return 2
	case Fodselsnummer:
		return 3
	case HETU:
		return 4
	case CPR:
		return 5
	case IBAN:
		return 6
	case Card:
		return 7
	case Bankgiro:
		return 8
	case Plusgiro:
		return 9
	case Email:
		return 10
	case IPv6:
		return 11
	case IPv4:
		return 12
	case Phone:
		return 13
	case Address:
		return 14
	case Custom:
		return 15
	}
	return len(allKinds)
}

// Finding is one detected entity. Start and End are byte offsets into the
// UTF-8 text (End exclusive) and always fall on rune boundaries of valid
// UTF-8 input; Text is text[Start:End]. Name is set for Custom findings.
type Finding struct {
	Kind       Kind    `json:"kind"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
	Text       string  `json:"text"`
	Confidence float64 `json:"confidence"`
	Name       string  `json:"name,omitempty"`
}

// CustomPattern is an organisation-defined pattern, e.g. a customer number
// `KN-\d{6}`. Pattern uses Go regexp (RE2) syntax. Matches are reported as
// kind Custom with Name set to the pattern's Name.
type CustomPattern struct {
	Name    string `json:"name"`
	Pattern string `json:"pattern"`
	// Confidence reported for matches; 0 means 0.9.
	Confidence float64 `json:"confidence,omitempty"`
}

// Options configures a Detector. The zero value detects every built-in kind
// and redacts every kind except Orgnummer.
type Options struct {
	// Custom holds organisation-defined patterns.
	Custom []CustomPattern
	// Kinds restricts detection to these kinds; empty means all.
	Kinds []Kind
	// Redact lists the kinds Redact replaces; nil means every kind except
	// Orgnummer. An empty non-nil slice redacts nothing.
	Redact []Kind
}

type customRE struct {
	name string
	re   *regexp.Regexp
	conf float64
}

// Detector finds personal data in text. It is immutable after New and safe
// for concurrent use by many goroutines.
type Detector struct {
	enabled [len(allKinds)]bool
	redact  [len(allKinds)]bool
	custom  []customRE
}

// ErrInvalidOptions is wrapped by errors from New.
var ErrInvalidOptions = errors.New("pii: invalid options")

// New returns a Detector configured by opts. It fails, naming the pattern,
// if a custom pattern is unnamed or does not compile, and on unknown kinds.
func New(opts Options) (*Detector, error) {
	d := &Detector{}
	if len(opts.Kinds) == 0 {
		for i := range d.enabled {
			d.enabled[i] = true
		}
	}
	for _, k := range opts.Kinds {
		r := kindRank(k)
		if r == len(allKinds) {
			return nil, fmt.Errorf("%w: unknown kind %q in Kinds", ErrInvalidOptions, k)
		}
		d.enabled[r] = true
	}
	if opts.Redact == nil {
		for i, k := range allKinds {
			d.redact[i] = k != Orgnummer
		}
	}
	for _, k := range opts.Redact {
		r := kindRank(k)
		if r == len(allKinds) {
			return nil, fmt.Errorf("%w: unknown kind %q in Redact", ErrInvalidOptions, k)
		}
		d.redact[r] = true
	}
	for _, p := range opts.Custom {
		if p.Name == "" {
			return nil, fmt.Errorf("%w: custom pattern %q has no name", ErrInvalidOptions, p.Pattern)
		}
		re, err := regexp.Compile(p.Pattern)
		if err != nil {
			return nil, fmt.Errorf("%w: custom pattern %q (%s): %v", ErrInvalidOptions, p.Name, p.Pattern, err)
		}
		if re.MatchString("") {
			return nil, fmt.Errorf("%w: custom pattern %q (%s) matches the empty string", ErrInvalidOptions, p.Name, p.Pattern)
		}
		c := p.Confidence
		if c <= 0 || c > 1 {
			c = 0.9
		}
		d.custom = append(d.custom, customRE{name: p.Name, re: re, conf: c})
	}
	return d, nil
}

// Default returns a new Detector with the zero Options: all built-in kinds,
// no custom patterns.
func Default() *Detector {
	d, _ := New(Options{})
	return d
}

func (d *Detector) on(k Kind) bool { return d.enabled[kindRank(k)] }

// Detect returns the entities found in text, sorted by Start and
// non-overlapping. Overlaps between candidates are resolved by priority:
// the longer span wins, then the higher confidence, then the kind listed
// first in Kinds (the more specific one). Detect does not allocate when
// nothing is found.
func (d *Detector) Detect(text string) []Finding {
	return d.detect(text)
}

// Contains reports whether text holds at least one entity of the given
// kinds (any kind when none are given). It does not allocate when text
// holds no candidate at all.
func (d *Detector) Contains(text string, kinds ...Kind) bool {
	for _, f := range d.detect(text) {
		if len(kinds) == 0 || slices.Contains(kinds, f.Kind) {
			return true
		}
	}
	return false
}

// detect returns the resolved findings. The slice is allocated only when
// there is a candidate, so clean messages cost no allocation.
func (d *Detector) detect(text string) []Finding {
	s := scanner{d: d, text: text}
	s.run()
	for _, c := range d.custom {
		if !d.on(Custom) {
			break
		}
		for _, m := range c.re.FindAllStringIndex(text, -1) {
			if m[1] > m[0] {
				s.add(Custom, m[0], m[1], c.conf)
				s.out[len(s.out)-1].Name = c.name
			}
		}
	}
	return resolve(s.out)
}

// priority orders candidates from the one that wins an overlap to the one
// that loses: the longer span first, then the higher confidence, then the
// kind listed first in allKinds, then the earlier start.
func priority(a, b *Finding) int {
	la, lb := a.End-a.Start, b.End-b.Start
	if la != lb {
		return cmp.Compare(lb, la)
	}
	if c := cmp.Compare(b.Confidence, a.Confidence); c != 0 {
		return c
	}
	if c := cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)); c != 0 {
		return c
	}
	return cmp.Compare(a.Start, b.Start)
}

// resolve removes overlapping candidates in place and returns them sorted
// by Start. Candidates are sorted by Start (stably, so that of two equal
// candidates the one detected first, e.g. from the custom pattern listed
// first, wins) and split into clusters of transitively overlapping spans;
// a lone candidate is kept, a cluster goes to selectBest. The whole takes
// O(n log n), however many candidates overlap (custom patterns such as
// `ab` and `ba` over "abab…" chain a whole text into one cluster).
func resolve(c []Finding) []Finding {
	if len(c) <= 1 {
		return c
	}
	var sc selectScratch
	sc.sortByStart(c)
	out := 0
	for lo := 0; lo < len(c); {
		hi, end := lo+1, c[lo].End
		for hi < len(c) && c[hi].Start < end {
			end = max(end, c[hi].End)
			hi++
		}
		kept := c[lo:hi]
		if hi-lo > 1 {
			kept = sc.selectBest(kept)
		}
		out += copy(c[out:], kept)
		lo = hi
	}
	return c[:out]
}

// selectScratch holds selectBest's buffers, reused across the clusters of
// one resolve call.
type selectScratch struct {
	order []int
	ends  []int // a prefix-maximum Fenwick tree over cluster positions
	keep  []bool
}

// sortByStart sorts c by Start, stably: custom patterns' matches follow
// the built-in candidates, each run already in Start order. A permutation
// of indices is sorted rather than c itself, whose elements are large.
func (sc *selectScratch) sortByStart(c []Finding) {
	if slices.IsSortedFunc(c, func(a, b Finding) int { return cmp.Compare(a.Start, b.Start) }) {
		return
	}
	sc.order = sc.order[:0]
	for i := range c {
		sc.order = append(sc.order, i)
	}
	slices.SortFunc(sc.order, func(i, j int) int {
		return cmp.Or(cmp.Compare(c[i].Start, c[j].Start), cmp.Compare(i, j))
	})
	sorted := make([]Finding, len(c))
	for k, i := range sc.order {
		sorted[k] = c[i]
	}
	copy(c, sorted)
}

// selectBest keeps, in place and in Start order, the non-overlapping subset
// of c (sorted by Start) chosen greedily by priority: in priority order, a
// candidate is kept unless it overlaps one kept before it. A candidate
// [s, e) overlaps a kept [a, b) iff a < e and b > s; the kept candidates
// with a < e are a prefix of c, so a Fenwick tree of the greatest kept End
// per prefix answers each question in O(log n).
func (sc *selectScratch) selectBest(c []Finding) []Finding {
	n := len(c)
	sc.order = sc.order[:0]
	for i := range n {
		sc.order = append(sc.order, i)
	}
	// Of two equal candidates the earlier in c wins.
	slices.SortFunc(sc.order, func(i, j int) int { return cmp.Or(priority(&c[i], &c[j]), cmp.Compare(i, j)) })
	sc.ends = slices.Grow(sc.ends[:0], n)[:n]
	sc.keep = slices.Grow(sc.keep[:0], n)[:n]
	for i := range n {
		sc.ends[i], sc.keep[i] = math.MinInt, false
	}
	for _, i := range sc.order {
		f := &c[i]
		// prefix: the candidates starting before f ends.
		prefix, _ := slices.BinarySearchFunc(c, f.End, func(g Finding, end int) int { return cmp.Compare(g.Start, end) })
		maxEnd := math.MinInt
		for p := prefix; p > 0; p &= p - 1 {
			maxEnd = max(maxEnd, sc.ends[p-1])
		}
		if maxEnd > f.Start {
			continue
		}
		sc.keep[i] = true
		for p := i + 1; p <= n; p += p & -p {
			sc.ends[p-1] = max(sc.ends[p-1], f.End)
		}
	}
	k := 0
	for i := range n {
		if sc.keep[i] {
			c[k] = c[i]
			k++
		}
	}
	return c[:k]
}
