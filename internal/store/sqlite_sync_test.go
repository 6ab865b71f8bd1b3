package store

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gallra/gallra"
)

func TestSQLiteSynchronousSetting(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		suffix string
		want   int // PRAGMA synchronous: 1 NORMAL, 2 FULL
	}{{"", 1}, {"?synchronous=normal", 1}, {"?synchronous=FULL", 2}} {
		db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "s.db")+c.suffix, gallra.SystemClock{})
		if err != nil {
			t.Fatalf("%q: %v", c.suffix, err)
		}
		var got int
		err = db.Update(ctx, func(tx *Tx) error { return tx.queryRow(ctx, `PRAGMA synchronous`).Scan(&got) })
		db.Close()
		if err != nil || got != c.want {
			t.Errorf("%q: synchronous %d, want %d (%v)", c.suffix, got, c.want, err)
		}
	}
	if _, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "s.db")+"?synchronous=off", gallra.SystemClock{}); gallra.ErrorCode(err) != gallra.EINVALID {
		t.Errorf("synchronous=off: %v, want EINVALID", err)
	}
}

// BenchmarkSQLiteSynchronous: one forum post per commit (the write path of
// a public post, identifier index included) with synchronous NORMAL and
// FULL; the difference is the fsync of the WAL per commit.
func BenchmarkSQLiteSynchronous(b *testing.B) {
	ctx := context.Background()
	for _, mode := range []string{"normal", "full"} {
		b.Run(mode, func(b *testing.B) {
			db, err := Open(ctx, "sqlite:"+filepath.Join(b.TempDir(), "s.db")+"?synchronous="+mode, gallra.SystemClock{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			org, admin, _, err := db.Bootstrap(ctx, "B", "Admin", "admin@b.example", "")
			if err != nil {
				b.Fatal(err)
			}
			ch, err := db.CreateChannel(ctx, gallra.Actor{Type: gallra.ActorStaff, ID: admin.ID}, &gallra.Channel{OrgID: org.ID, Module: gallra.ModuleForum, Name: "f"})
			if err != nil {
				b.Fatal(err)
			}
			tp, err := db.CreateTopic(ctx, org.ID, gallra.NewTopic{ChannelID: ch.ID, Title: "t", Body: "b", Author: gallra.Author{Name: "A"}})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if _, err := db.CreatePost(ctx, org.ID, gallra.NewPost{TopicID: tp.ID, Body: "Hej, ring 070-174 06 05", Author: gallra.Author{Name: "A"}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
