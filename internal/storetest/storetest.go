// Package storetest opens real, fresh databases for tests: an SQLite file in
// the test's temporary folder, and — when GALLRA_TEST_POSTGRES holds a
// PostgreSQL URL — a new schema in that database, dropped afterwards. Storage
// tests run through Each so that the same test covers both engines.
package storetest

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/store"
)

// EnvPostgres names the environment variable that switches the PostgreSQL half
// of the storage tests on, e.g.
// GALLRA_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable
const EnvPostgres = "GALLRA_TEST_POSTGRES"

// Clock is a settable test clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{t: t.UTC()} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.t = t.UTC(); c.mu.Unlock() }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Start returns the default test clock time, 2026-01-15 09:00 UTC.
func Start() time.Time { return time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC) }

// Dialects returns the engines to test: SQLite always, PostgreSQL when
// configured.
func Dialects() []store.Dialect {
	d := []store.Dialect{store.SQLite}
	if os.Getenv(EnvPostgres) != "" {
		d = append(d, store.Postgres)
	}
	return d
}

// Each runs fn as a subtest per engine, each with a fresh migrated database
// and its own clock set to Start. Without GALLRA_TEST_POSTGRES the PostgreSQL
// subtest is reported as skipped, with the reason.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB, clock *Clock)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			if d == store.Postgres && os.Getenv(EnvPostgres) == "" {
				t.Skipf("PostgreSQL half skipped: set %s to a PostgreSQL URL to run it", EnvPostgres)
			}
			clock := NewClock(Start())
			db := Open(t, d, clock)
			fn(t, db, clock)
		})
	}
}

// Open returns a fresh, migrated database of the dialect, closed (and for
// PostgreSQL dropped) when the test ends.
func Open(tb testing.TB, d store.Dialect, clock gallra.Clock) *store.DB {
	tb.Helper()
	u := URL(tb, d)
	db, err := store.Open(context.Background(), u, clock)
	if err != nil {
		tb.Fatalf("open %s: %v", d, err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate %s: %v", d, err)
	}
	return db
}

// URL returns the URL of a fresh, empty database of the dialect (not yet
// migrated), removed when the test ends.
func URL(tb testing.TB, d store.Dialect) string {
	tb.Helper()
	if d == store.SQLite {
		return "sqlite:" + filepath.Join(tb.TempDir(), "gallra.db")
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		tb.Skipf("PostgreSQL not configured: set %s", EnvPostgres)
	}
	u, drop, err := store.CreateSchema(context.Background(), base, "gt_")
	if err != nil {
		tb.Fatalf("%v (is PostgreSQL running at %s?)", err, redact(base))
	}
	tb.Cleanup(func() { drop() })
	return u
}

func redact(u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		return "(unparseable URL)"
	}
	return pu.Redacted()
}

// Fixture is a ready organisation with an admin, an editor and one channel of
// each module.
type Fixture struct {
	Org      *gallra.Organisation
	Admin    *gallra.Staff
	Editor   *gallra.Staff
	Channels map[gallra.Module]*gallra.Channel
	// AdminToken and EditorToken are bearer secrets for the API.
	AdminToken, EditorToken string
}

// MustFixture creates a Fixture named name in db. The editor is a member of
// the forum and mail channels only.
func MustFixture(tb testing.TB, db *store.DB, name string) *Fixture {
	tb.Helper()
	ctx := context.Background()
	org, admin, secret, err := db.Bootstrap(ctx, name, "Admin "+name, "admin@"+slug(name)+".example", "")
	if err != nil {
		tb.Fatalf("bootstrap %s: %v", name, err)
	}
	actor := gallra.Actor{Type: gallra.ActorStaff, ID: admin.ID}
	f := &Fixture{Org: org, Admin: admin, AdminToken: secret, Channels: map[gallra.Module]*gallra.Channel{}}
	for _, m := range gallra.Modules() {
		c := &gallra.Channel{OrgID: org.ID, Module: m, Name: string(m) + " " + name}
		if m == gallra.ModuleMail {
			c.Address = "support@" + slug(name) + ".example"
		}
		ch, err := db.CreateChannel(ctx, actor, c)
		if err != nil {
			tb.Fatalf("create %s channel: %v", m, err)
		}
		f.Channels[m] = ch
	}
	ed, err := db.CreateStaff(ctx, actor, &gallra.Staff{OrgID: org.ID, Name: "Editor " + name, Email: "editor@" + slug(name) + ".example", Role: gallra.RoleEditor, Active: true})
	if err != nil {
		tb.Fatalf("create editor: %v", err)
	}
	for _, m := range []gallra.Module{gallra.ModuleForum, gallra.ModuleMail} {
		if err := db.SetMembership(ctx, actor, org.ID, f.Channels[m].ID, ed.ID, true); err != nil {
			tb.Fatalf("membership: %v", err)
		}
	}
	if f.Editor, err = db.GetStaff(ctx, org.ID, ed.ID); err != nil {
		tb.Fatal(err)
	}
	_, f.EditorToken, err = db.CreateToken(ctx, actor, org.ID, ed.ID, "editor token")
	if err != nil {
		tb.Fatalf("editor token: %v", err)
	}
	return f
}

func slug(s string) string {
	b := []byte{}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b = append(b, byte(r))
		case r >= 'A' && r <= 'Z':
			b = append(b, byte(r-'A'+'a'))
		}
	}
	if len(b) == 0 {
		return "org"
	}
	return string(b)
}
