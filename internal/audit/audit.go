// Package audit computes and verifies the hash chain of Gallra's append-only
// audit log. It has no storage of its own: the store appends entries inside
// the transaction of the action they record, and streams them back here to be
// verified.
package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/gallra/gallra"
)

// Genesis is the PrevHash of an organisation's first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Hash returns the hex SHA-256 of the entry's content and its PrevHash. The
// encoding is length-prefixed so that no two different entries encode alike;
// Details are hashed as canonical JSON (encoding/json sorts map keys).
func Hash(e *gallra.AuditEntry) (string, error) {
	details := []byte("{}")
	if len(e.Details) > 0 {
		var err error
		details, err = json.Marshal(e.Details)
		if err != nil {
			return "", fmt.Errorf("encode audit details: %w", err)
		}
	}
	return HashRaw(e, details), nil
}

// HashRaw is Hash with the details already encoded, as stored.
func HashRaw(e *gallra.AuditEntry, details []byte) string {
	h := sha256.New()
	var n [8]byte
	putInt := func(v int64) {
		binary.BigEndian.PutUint64(n[:], uint64(v))
		h.Write(n[:])
	}
	putStr := func(s string) {
		putInt(int64(len(s)))
		h.Write([]byte(s))
	}
	putStr("gallra-audit-v1")
	putInt(e.OrgID)
	putInt(e.Seq)
	putInt(e.At.UnixMilli())
	putStr(e.ActorType)
	putInt(e.ActorID)
	putStr(e.Action)
	putStr(e.SubjectType)
	putInt(e.SubjectID)
	putStr(string(details))
	putStr(e.PrevHash)
	return hex.EncodeToString(h.Sum(nil))
}

// Problem is one break found in a chain (gallra.AuditProblem).
type Problem = gallra.AuditProblem

// Verifier checks one organisation's entries fed to it in seq order.
type Verifier struct {
	prevHash string
	nextSeq  int64
	count    int64
	problems []Problem
}

// NewVerifier starts verifying a chain from its first entry.
func NewVerifier() *Verifier { return &Verifier{prevHash: Genesis, nextSeq: 1} }

// Add checks the next entry, given the details exactly as stored.
func (v *Verifier) Add(e *gallra.AuditEntry, details []byte) {
	v.count++
	if e.Seq != v.nextSeq {
		v.problems = append(v.problems, Problem{Seq: e.Seq, Reason: fmt.Sprintf("expected entry %d: entries are missing", v.nextSeq)})
	}
	if e.PrevHash != v.prevHash {
		v.problems = append(v.problems, Problem{Seq: e.Seq, Reason: "previous-hash link does not match the entry before it"})
	}
	if got := HashRaw(e, details); got != e.Hash {
		v.problems = append(v.problems, Problem{Seq: e.Seq, Reason: "content does not match its hash: the entry was edited"})
	}
	v.prevHash = e.Hash
	v.nextSeq = e.Seq + 1
}

// Finish compares the end of the chain with the recorded head (the last seq
// and hash kept apart from the entries), which catches removal of the newest
// entries, and returns the result.
func (v *Verifier) Finish(headSeq int64, headHash string) Result {
	lastSeq := v.nextSeq - 1
	if headSeq != lastSeq || (headSeq > 0 && headHash != v.prevHash) {
		v.problems = append(v.problems, Problem{Seq: headSeq, Reason: fmt.Sprintf("chain ends at entry %d but the recorded head is entry %d: entries were removed or the head was altered", lastSeq, headSeq)})
	}
	return Result{Entries: v.count, HeadSeq: headSeq, HeadHash: headHash, OK: len(v.problems) == 0, Problems: v.problems}
}

// Result is the outcome of verifying one organisation's chain
// (gallra.AuditResult).
type Result = gallra.AuditResult

// KeyedHash returns a keyed hash (HMAC-SHA256, hex) of a normalised
// identifier such as an e-mail address, so audit entries can link repeat
// requests about one person without storing the identifier itself.
func KeyedHash(key []byte, normalised string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(normalised))
	return hex.EncodeToString(m.Sum(nil))
}
