package retention

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

// Environment of the child process TestPurgeSurvivesKill starts, and the
// line the child prints when its first batch has begun.
const (
	envKillURL     = "GALLRA_TEST_KILL_URL"
	envKillNow     = "GALLRA_TEST_KILL_NOW"
	killChildBegun = "gallra-kill-child: first batch begun"
)

// seedForKill fills a database with forum posts (some with identifiers to
// redact, one topic on hold), mail conversations and closed chats, all long
// past their periods, and returns the time they were made at.
func seedForKill(t *testing.T, db *store.DB, clock *storetest.Clock) {
	t.Helper()
	f := storetest.MustFixture(t, db, "Kommunen")
	for i := range 40 {
		tp := mustTopic(t, db, f, fmt.Sprintf("Fråga %d", i), "Ring 070-123 45 67", fmt.Sprintf("k%d@example.se", i%9))
		for j := range 4 {
			mustPost(t, db, f, tp.ID, nil, fmt.Sprintf("Svar %d", j), fmt.Sprintf("s%d@example.se", (i+j)%7))
		}
		if i == 17 {
			if _, err := db.SetHold(ctx, staff(f), f.Org.ID, gallra.SubjectForumTopic, tp.ID, "Tvist"); err != nil {
				t.Fatal(err)
			}
		}
		if i%4 == 0 {
			mustMail(t, db, f, fmt.Sprintf("k%d@example.se", i%9), fmt.Sprintf("<c%d@example.se>", i), "")
			c, _, err := db.StartChat(ctx, f.Org.ID, gallra.NewChat{ChannelID: f.Channels[gallra.ModuleChat].ID, Email: fmt.Sprintf("s%d@example.se", i%7), Message: "Hej"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.CloseChat(ctx, staff(f), f.Org.ID, c.ID); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(time.Hour)
	}
}

// A purge process killed (SIGKILL) at random points, again and again, and
// then run to its end leaves exactly the state of one uninterrupted purge:
// no batch half done, no person lost or left behind, statistics folded
// once. Each attempt's clock is ten minutes after the last one's, so the
// killed process's lease (5 minutes) has run out.
func TestPurgeSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	storetest.Each(t, func(t *testing.T, ref *store.DB, refClock *storetest.Clock) {
		seedForKill(t, ref, refClock)
		start := refClock.Now().Add(4 * 365 * day)
		const attempts = 8
		refClock.Set(start.Add((attempts + 1) * 10 * time.Minute))
		if _, err := New(ref, orgpii.New(ref), Config{BatchSize: 4}).Run(ctx, RunOptions{Trigger: "cli"}); err != nil {
			t.Fatal(err)
		}
		want := snapshot(t, ref)

		u := storetest.URL(t, ref.Dialect())
		clock := storetest.NewClock(storetest.Start())
		db, err := store.Open(ctx, u, clock)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		seedForKill(t, db, clock)
		killed, midway := 0, 0
		var progress []string
		for a := 1; a <= attempts; a++ {
			cmd := exec.Command(os.Args[0], "-test.run=^TestKilledPurgeChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), envKillURL+"="+u, envKillNow+"="+start.Add(time.Duration(a)*10*time.Minute).Format(time.RFC3339Nano))
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// The kill lands at a random point after the child's first
			// batch began (a start-up slowed by a busy machine does not
			// use up the time): inside a batch transaction, between two,
			// or in the person pass.
			begun := make(chan struct{})
			go func() {
				sc := bufio.NewScanner(out)
				once := false
				for sc.Scan() {
					if !once && strings.HasPrefix(sc.Text(), killChildBegun) {
						once = true
						close(begun)
					}
				}
				if !once {
					close(begun)
				}
			}()
			select {
			case <-begun:
			case <-time.After(time.Minute):
				t.Error("the child purge did not begin a batch within a minute")
			}
			time.Sleep(time.Duration(rand.IntN(150)) * time.Millisecond)
			if err := cmd.Process.Kill(); err == nil {
				killed++
			}
			cmd.Wait()
			var anon, queued int
			err = db.View(ctx, func(tx *store.Tx) error {
				return tx.RawForTests().QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM forum_posts WHERE anonymized_at IS NOT NULL), (SELECT COUNT(*) FROM purge_person_queue)`).Scan(&anon, &queued)
			})
			if err != nil {
				t.Fatal(err)
			}
			progress = append(progress, fmt.Sprintf("%d/%d", anon, queued))
			if anon > 0 && anon < 195 {
				midway++
			}
		}
		t.Logf("after each kill, posts anonymized/persons queued: %v", progress)
		if midway == 0 {
			t.Fatal("no kill landed in the middle of the forum batches")
		}
		if killed == 0 {
			t.Fatal("no purge process was killed")
		}
		clock.Set(start.Add((attempts + 1) * 10 * time.Minute))
		res, err := New(db, orgpii.New(db), Config{BatchSize: 4}).Run(ctx, RunOptions{Trigger: "cli"})
		if err != nil || res.Status != gallra.PurgeDone {
			t.Fatalf("final run: %+v %v", res, err)
		}
		if got := snapshot(t, db); got != want {
			t.Errorf("end state after %d kills differs from an uninterrupted purge:\n got:\n%s\nwant:\n%s", killed, got, want)
		}
		var queued int
		db.View(ctx, func(tx *store.Tx) error {
			return tx.RawForTests().QueryRow(ctx, `SELECT COUNT(*) FROM purge_person_queue`).Scan(&queued)
		})
		if queued != 0 {
			t.Errorf("%d persons left in the queue", queued)
		}
	})
}

// TestKilledPurgeChild is the process TestPurgeSurvivesKill kills: a slow
// purge (short batches, pauses inside and between them) of the database
// it names.
func TestKilledPurgeChild(t *testing.T) {
	u := os.Getenv(envKillURL)
	if u == "" {
		t.Skip("started by TestPurgeSurvivesKill")
	}
	now, err := time.Parse(time.RFC3339Nano, os.Getenv(envKillNow))
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, u, storetest.NewClock(now))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := New(db, orgpii.New(db), Config{BatchSize: 3})
	e.pre = func(n int) error {
		if n == 1 {
			fmt.Println(killChildBegun)
		}
		time.Sleep(8 * time.Millisecond)
		return nil
	}
	e.hook = func(int) error { time.Sleep(4 * time.Millisecond); return nil }
	if _, err := e.Run(ctx, RunOptions{Trigger: "cli"}); err != nil {
		t.Fatal(err)
	}
}
