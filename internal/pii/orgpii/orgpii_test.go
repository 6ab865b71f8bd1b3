package orgpii_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gallra/gallra"
	"github.com/gallra/gallra/internal/pii"
	"github.com/gallra/gallra/internal/pii/orgpii"
	"github.com/gallra/gallra/internal/store"
	"github.com/gallra/gallra/internal/storetest"
)

var ctx = context.Background()

func staffActor(f *storetest.Fixture) gallra.Actor {
	return gallra.Actor{Type: gallra.ActorStaff, ID: f.Admin.ID}
}

func mustPatterns(t *testing.T, db *store.DB, f *storetest.Fixture, ps ...gallra.PIIPattern) {
	t.Helper()
	if err := db.SetPIIPatterns(ctx, staffActor(f), f.Org.ID, ps); err != nil {
		t.Fatal(err)
	}
}

// Each organisation's redactor applies the built-in kinds and its own
// patterns, never another's, and follows a change of patterns at once.
func TestRedactorPerOrganisation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		rs := orgpii.New(db)
		a := storetest.MustFixture(t, db, "Kommunen")
		b := storetest.MustFixture(t, db, "Bolaget")
		c := storetest.MustFixture(t, db, "Utan")
		mustPatterns(t, db, a, gallra.PIIPattern{Name: "kundnummer", Pattern: `KN-\d{6}`})
		mustPatterns(t, db, b, gallra.PIIPattern{Name: "ordernr", Pattern: `ORD-\d{4}`})
		const text = "KN-204519, ORD-1234, ring 070-123 45 67"
		redact := func(f *storetest.Fixture) string {
			t.Helper()
			r, err := rs.Redactor(ctx, f.Org.ID)
			if err != nil {
				t.Fatal(err)
			}
			return r(text)
		}
		for _, tc := range []struct {
			name string
			f    *storetest.Fixture
			want string
		}{
			{"own pattern", a, "[kundnummer], ORD-1234, ring [phone]"},
			{"other pattern", b, "KN-204519, [ordernr], ring [phone]"},
			{"no patterns", c, "KN-204519, ORD-1234, ring [phone]"},
			{"own pattern again (cached)", a, "[kundnummer], ORD-1234, ring [phone]"},
		} {
			if got := redact(tc.f); got != tc.want {
				t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
			}
		}
		// Same patterns in two organisations: one detector, still each
		// organisation's own patterns only.
		mustPatterns(t, db, c, gallra.PIIPattern{Name: "kundnummer", Pattern: `KN-\d{6}`})
		da, _ := rs.Detector(ctx, a.Org.ID)
		dc, _ := rs.Detector(ctx, c.Org.ID)
		if da != dc || redact(c) != "[kundnummer], ORD-1234, ring [phone]" {
			t.Errorf("equal pattern sets: shared %v, redacted %q", da == dc, redact(c))
		}
		// A change of patterns applies to the very next call.
		mustPatterns(t, db, a, gallra.PIIPattern{Name: "order", Pattern: `ORD-\d{4}`})
		if got := redact(a); got != "KN-204519, [order], ring [phone]" {
			t.Errorf("after the change: %q", got)
		}
		mustPatterns(t, db, a)
		if got := redact(a); got != "KN-204519, ORD-1234, ring [phone]" {
			t.Errorf("after removing the patterns: %q", got)
		}
		// Options restrict the detector and keep the organisation's patterns.
		d, err := rs.With(ctx, b.Org.ID, pii.Options{Redact: []pii.Kind{pii.Custom}})
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Redact(text, pii.Replace()); got != "KN-204519, [ordernr], ring 070-123 45 67" {
			t.Errorf("redact custom only: %q", got)
		}
		if _, err := rs.With(ctx, b.Org.ID, pii.Options{Kinds: []pii.Kind{"shoe size"}}); err == nil {
			t.Error("unknown kind accepted")
		}
	})
}

// The sensitive-data flags set on write count the organisation's own
// patterns as kind custom, and only in that organisation.
func TestSensitiveFlagsCountTheOrganisationsPatterns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *storetest.Clock) {
		db = db.WithScanner(orgpii.New(db))
		a := storetest.MustFixture(t, db, "Kommunen")
		b := storetest.MustFixture(t, db, "Bolaget")
		mustPatterns(t, db, a, gallra.PIIPattern{Name: "kundnummer", Pattern: `KN-\d{6}`})
		for _, tc := range []struct {
			name  string
			f     *storetest.Fixture
			title string
			body  string
			want  string
		}{
			{"own pattern in the body", a, "Fråga", "Mitt kundnummer är KN-204519", "custom"},
			{"own pattern in the title", a, "Ärende KN-204519", "Hej", "custom"},
			{"with a built-in kind", a, "Fråga", "KN-204519 och 850709-9805", "custom,personnummer"},
			{"phone alone flags nothing", a, "Fråga", "Ring 070-123 45 67", ""},
			{"another organisation's pattern", b, "Fråga", "Mitt kundnummer är KN-204519", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tp, err := db.CreateTopic(ctx, tc.f.Org.ID, gallra.NewTopic{ChannelID: tc.f.Channels[gallra.ModuleForum].ID, Title: tc.title, Body: tc.body,
					Author: gallra.Author{Name: "E", Email: "e@example.se"}})
				if err != nil {
					t.Fatal(err)
				}
				kinds, err := db.SensitiveKinds(ctx, tc.f.Org.ID, gallra.SubjectForumTopic, tp.ID)
				if err != nil || strings.Join(kinds, ",") != tc.want {
					t.Errorf("sensitive kinds %v (%v), want %q", kinds, err, tc.want)
				}
			})
		}
		// Mail and chat are flagged the same way.
		m, err := db.IngestMail(ctx, a.Org.ID, a.Channels[gallra.ModuleMail].ID, gallra.InboundMail{From: "k@example.se", Subject: "Kund KN-204519", Body: "Hej"})
		if err != nil {
			t.Fatal(err)
		}
		if kinds, err := db.SensitiveKinds(ctx, a.Org.ID, gallra.SubjectMailConversation, m.ConversationID); err != nil || strings.Join(kinds, ",") != "custom" {
			t.Errorf("mail sensitive kinds %v, %v", kinds, err)
		}
		ch, _, err := db.StartChat(ctx, a.Org.ID, gallra.NewChat{ChannelID: a.Channels[gallra.ModuleChat].ID, Name: "K", Email: "k@example.se", Message: "KN-204519"})
		if err != nil {
			t.Fatal(err)
		}
		if kinds, err := db.SensitiveKinds(ctx, a.Org.ID, gallra.SubjectChatConversation, ch.ID); err != nil || strings.Join(kinds, ",") != "custom" {
			t.Errorf("chat sensitive kinds %v, %v", kinds, err)
		}
	})
}
