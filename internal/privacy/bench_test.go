package privacy_test

import (
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/storetest"
)

// BenchmarkNoticeText measures the notice a public page asks for on every
// view (its text unchanged: the version check is a read), next to the
// retention sentence alone (ChannelPolicy) it replaced, in one run.
func BenchmarkNoticeText(b *testing.B) {
	for _, d := range storetest.Dialects() {
		clock := storetest.NewClock(storetest.Start())
		db := storetest.Open(b, d, clock)
		f := storetest.MustFixture(b, db, "Kommunen")
		e := newEnv(db, clock)
		forum := f.Channels[gallra.ModuleForum]
		run := func(name string, fn func() error) {
			b.Run(string(d)+"/"+name, func(b *testing.B) {
				for b.Loop() {
					if err := fn(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		run("notice", func() error { _, err := e.priv.NoticeText(ctx, f.Org.ID, forum.ID, "sv"); return err })
		run("policy_only", func() error { _, err := e.ret.ChannelPolicy(ctx, f.Org.ID, forum.ID); return err })
	}
}
