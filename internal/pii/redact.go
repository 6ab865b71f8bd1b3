package pii

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Action is what an Operator does to a finding's text.
type Action int

// Redaction actions.
const (
	// ActionReplace replaces the text by a label such as "[personnummer]".
	ActionReplace Action = iota
	// ActionMask replaces letters and digits by '*' and keeps separators
	// and, for number-like kinds, the last Keep digits.
	ActionMask
	// ActionRemove deletes the text.
	ActionRemove
)

// Operator says how Redact rewrites each finding.
type Operator struct {
	Action Action
	// Keep is the number of trailing digits ActionMask leaves readable for
	// number-like kinds (not for e-mail, IP and address, which are masked
	// completely).
	Keep int
}

// Replace returns the operator that writes "[kind]" (or "[name]" for a
// custom pattern) in place of each finding.
func Replace() Operator { return Operator{Action: ActionReplace} }

// Mask returns the operator that masks each finding, keeping its last keep
// digits, e.g. "070-123 45 67" → "***-*** 45 67" with keep 4.
func Mask(keep int) Operator { return Operator{Action: ActionMask, Keep: keep} }

// Remove returns the operator that deletes each finding.
func Remove() Operator { return Operator{Action: ActionRemove} }

// Redact rewrites every finding of a redacted kind (Options.Redact; by
// default all kinds except Orgnummer) with op. It is idempotent: when
// rewriting joins text into a new finding, Redact runs again until nothing
// is left, so Redact(Redact(t, op), op) == Redact(t, op). Invalid UTF-8 in
// text is replaced by U+FFFD, so the result is always valid UTF-8.
func (d *Detector) Redact(text string, op Operator) string {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	for range 8 {
		fs := d.detect(text)
		k := 0
		for _, f := range fs {
			if d.redact[kindRank(f.Kind)] && f.Text != rewrite(f, op) {
				fs[k] = f
				k++
			}
		}
		if k == 0 {
			break
		}
		text = RedactFindings(text, fs[:k], op)
	}
	return text
}

// RedactFindings rewrites the given findings of text with op, whatever
// their kind. Findings out of range, not on rune boundaries, or
// overlapping an earlier one are skipped; findings need not be sorted.
func RedactFindings(text string, findings []Finding, op Operator) string {
	if len(findings) == 0 {
		return text
	}
	fs := slices.Clone(findings)
	slices.SortFunc(fs, func(a, b Finding) int { return a.Start - b.Start })
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, f := range fs {
		if f.Start < last || f.End > len(text) || f.Start >= f.End ||
			!utf8.RuneStart(text[f.Start]) || (f.End < len(text) && !utf8.RuneStart(text[f.End])) {
			continue
		}
		f.Text = text[f.Start:f.End]
		b.WriteString(text[last:f.Start])
		b.WriteString(rewrite(f, op))
		last = f.End
	}
	b.WriteString(text[last:])
	return b.String()
}

// Label returns the replacement label of a finding: "[kind]", or "[name]"
// for a named custom pattern.
func Label(f Finding) string {
	if f.Kind == Custom && f.Name != "" {
		return "[" + f.Name + "]"
	}
	return "[" + string(f.Kind) + "]"
}

func rewrite(f Finding, op Operator) string {
	switch op.Action {
	case ActionRemove:
		return ""
	case ActionMask:
		keep := op.Keep
		switch f.Kind {
		case Email, IPv4, IPv6, Address:
			keep = 0
		}
		return mask(f.Text, keep)
	default:
		return Label(f)
	}
}

// mask replaces letters and digits by '*', rune by rune, leaving the last
// keep digits and all other characters as they are.
func mask(s string, keep int) string {
	digits := 0
	for k := 0; k < len(s); k++ {
		if isDigit(s[k]) {
			digits++
		}
	}
	var b strings.Builder
	b.Grow(len(s))
	seen := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			seen++
			if seen > digits-keep {
				b.WriteRune(r)
			} else {
				b.WriteByte('*')
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteByte('*')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
