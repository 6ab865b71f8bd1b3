package audit

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
)

func chain(t *testing.T, n int) ([]*gallra.AuditEntry, [][]byte) {
	t.Helper()
	var es []*gallra.AuditEntry
	var raws [][]byte
	prev := Genesis
	for i := 1; i <= n; i++ {
		e := &gallra.AuditEntry{OrgID: 7, Seq: int64(i), At: time.UnixMilli(int64(1_700_000_000_000 + i)), ActorType: gallra.ActorStaff, ActorID: 3,
			Action: "channel.created", SubjectType: "channel", SubjectID: int64(i), Details: map[string]any{"module": "forum", "n": i}, PrevHash: prev}
		raw, _ := json.Marshal(e.Details)
		e.Hash = HashRaw(e, raw)
		prev = e.Hash
		es = append(es, e)
		raws = append(raws, raw)
	}
	return es, raws
}

func verify(es []*gallra.AuditEntry, raws [][]byte, headSeq int64, headHash string) Result {
	v := NewVerifier()
	for i, e := range es {
		v.Add(e, raws[i])
	}
	return v.Finish(headSeq, headHash)
}

func TestVerify(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(es []*gallra.AuditEntry, raws [][]byte) ([]*gallra.AuditEntry, [][]byte, int64, string)
		ok     bool
		reason string
	}{
		{"intact", func(es []*gallra.AuditEntry, raws [][]byte) ([]*gallra.AuditEntry, [][]byte, int64, string) {
			return es, raws, 5, es[4].Hash
		}, true, ""},
		{"edited details", func(es []*gallra.AuditEntry, raws [][]byte) ([]*gallra.AuditEntry, [][]byte, int64, string) {
			raws[2] = []byte(`{"module":"mail","n":3}`)
			return es, raws, 5, es[4].Hash
		}, false, "entry was edited"},
		{"edited action", func(es []*gallra.AuditEntry, raws [][]byte) ([]*gallra.AuditEntry, [][]byte, int64, string) {
			es[1].Action = "channel.deleted"
			return es, raws, 5, es[4].Hash
		}, false, "entry was edited"},
		{"edited time", func(es []*gallra.AuditEntry, raws [][]byte) ([]*gallra.AuditEntry, [][]byte, int64, string) {
			es[0].At = es[0].At.Add(time.Hour)
			return es, raws, 5, es[4].Hash
		}, false, "entry was edited"},
		{"removed in the middle", func(es []*gallra.AuditEntry, raws [][]byte) ([]*gallra.AuditEntry, [][]byte, int64, string) {
			return append(es[:2:2], es[3:]...), append(raws[:2:2], raws[3:]...), 5, es[4].Hash
		}, false, "entries are missing"},
		{"newest removed", func(es []*gallra.AuditEntry, raws [][]byte) ([]*gallra.AuditEntry, [][]byte, int64, string) {
			return es[:4], raws[:4], 5, es[4].Hash
		}, false, "entries were removed"},
		{"entries swapped", func(es []*gallra.AuditEntry, raws [][]byte) ([]*gallra.AuditEntry, [][]byte, int64, string) {
			es[1], es[2] = es[2], es[1]
			raws[1], raws[2] = raws[2], raws[1]
			return es, raws, 5, es[4].Hash
		}, false, "previous-hash link"},
		{"empty chain", func(es []*gallra.AuditEntry, raws [][]byte) ([]*gallra.AuditEntry, [][]byte, int64, string) {
			return nil, nil, 0, Genesis
		}, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			es, raws := chain(t, 5)
			es, raws, hs, hh := c.tamper(es, raws)
			res := verify(es, raws, hs, hh)
			if res.OK != c.ok {
				t.Fatalf("OK = %v, want %v: %+v", res.OK, c.ok, res.Problems)
			}
			if c.reason != "" {
				found := false
				for _, p := range res.Problems {
					found = found || strings.Contains(p.Reason, c.reason)
				}
				if !found {
					t.Errorf("no problem mentions %q: %+v", c.reason, res.Problems)
				}
			}
		})
	}
}

func TestHashMatchesHashRaw(t *testing.T) {
	e := &gallra.AuditEntry{OrgID: 1, Seq: 1, At: time.UnixMilli(1), Action: "x", Details: map[string]any{"b": 2, "a": 1}, PrevHash: Genesis}
	h, err := Hash(e)
	if err != nil {
		t.Fatal(err)
	}
	// encoding/json sorts map keys, so the stored form is canonical.
	if want := HashRaw(e, []byte(`{"a":1,"b":2}`)); h != want {
		t.Fatalf("Hash = %s, HashRaw of canonical JSON = %s", h, want)
	}
	e.Details = nil
	h0, _ := Hash(e)
	if h0 != HashRaw(e, []byte("{}")) {
		t.Fatal("nil details must hash as {}")
	}
}

func TestKeyedHash(t *testing.T) {
	a := KeyedHash([]byte("key-one"), "eva@example.se")
	if a != KeyedHash([]byte("key-one"), "eva@example.se") {
		t.Fatal("not deterministic")
	}
	if a == KeyedHash([]byte("key-two"), "eva@example.se") {
		t.Fatal("different keys gave the same hash: another organisation could link people")
	}
	if strings.Contains(a, "eva") || len(a) != 64 {
		t.Fatalf("hash %q", a)
	}
}
